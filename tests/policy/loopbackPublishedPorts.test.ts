import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLoopback } from "../../policy/loopbackPublishedPorts";
import { loopbackPublishedPorts as policy } from "../../policy/policies";
import { goodContainer, runPolicy, T, violationsOf } from "./support";

describe("loopback-published-ports", () => {
  test("loopback addresses", () => {
    for (const ip of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"]) {
      assert.ok(isLoopback(ip), ip);
    }
    for (const ip of ["0.0.0.0", "::", "10.0.0.5", "127.0.0.256", "128.0.0.1", "", "::ffff:127.0.0.1x"]) {
      assert.equal(isLoopback(ip), false, ip);
    }
  });

  test("passes containers publishing on loopback, or publishing nothing", async () => {
    const ports = [
      { internal: 8008, external: 8008, ip: "127.0.0.1" },
      { internal: 80, external: 8080, ip: "::1", protocol: "tcp" },
    ];
    assert.deepEqual(await violationsOf(policy, { type: T.container, props: goodContainer({ ports }) }), []);
    assert.deepEqual(await violationsOf(policy, { type: T.container, props: goodContainer({ ports: undefined }) }), []);
  });

  test("reports a port without ip (Docker binds 0.0.0.0) and one on a public address", async () => {
    const violations = await violationsOf(policy, {
      type: T.container,
      props: goodContainer({
        name: "eqmd_element",
        ports: [
          { internal: 80, external: 8080 },
          { internal: 8008, ip: "0.0.0.0" },
          { internal: 8448, external: 8448, ip: "127.0.0.1" },
        ],
      }),
    });
    assert.equal(violations.length, 2);
    assert.ok(
      violations[0].startsWith(
        'Container "eqmd_element": ports[0] publishes container port 80 as 8080 on every interface (ip unset means 0.0.0.0). Publish the port on loopback',
      ),
      violations[0],
    );
    assert.ok(
      violations[1].startsWith(
        'Container "eqmd_element": ports[1] publishes container port 8008 as a random port on "0.0.0.0". ',
      ),
    );
    assert.match(violations[1], /--policy-pack-config/);
    assert.match(violations[1], /"allowPublicPorts": true/);
  });

  test("reports host networking", async () => {
    const violations = await violationsOf(policy, {
      type: T.container,
      props: goodContainer({ networkMode: "host", ports: [] }),
    });
    assert.equal(violations.length, 1);
    assert.match(violations[0], /^Container "eqmd_synapse" uses networkMode "host"/);
  });

  test("a stack opts out with allowPublicPorts: true in the policy config", async () => {
    const props = goodContainer({ ports: [{ internal: 8008, external: 8008, ip: "0.0.0.0" }] });
    const run = await runPolicy(policy, { type: T.container, props, config: { allowPublicPorts: true } });
    assert.deepEqual(run, { violations: [], notApplicable: "allowPublicPorts is true in this stack's policy config" });
    assert.equal(
      (await violationsOf(policy, { type: T.container, props, config: { allowPublicPorts: false } })).length,
      1,
    );
  });

  test("declares allowPublicPorts in its config schema, off by default", () => {
    assert.deepEqual(policy.configSchema?.properties.allowPublicPorts, {
      type: "boolean",
      default: false,
      description: "Allow published ports on all interfaces (for a stack behind its own firewall).",
    });
  });

  test("ignores other resource types", async () => {
    assert.deepEqual(
      await violationsOf(policy, { type: T.remoteImage, props: { name: "x:1", ports: [{ internal: 1 }] } }),
      [],
    );
  });
});
