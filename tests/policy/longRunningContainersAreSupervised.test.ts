import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { healthcheckProblem } from "../../policy/longRunningContainersAreSupervised";
import { longRunningContainersAreSupervised as policy } from "../../policy/policies";
import { goodContainer, T, violationsOf } from "./support";

describe("long-running-containers-are-supervised", () => {
  for (const restart of ["unless-stopped", "always", "on-failure"]) {
    test(`passes a service with restart "${restart}" and a healthcheck`, async () => {
      assert.deepEqual(await violationsOf(policy, { type: T.container, props: goodContainer({ restart }) }), []);
    });
  }

  test("passes a PostgreSQL container probed with CMD", async () => {
    const props = goodContainer({ healthcheck: { tests: ["CMD", "pg_isready", "-U", "synapse"], retries: 10 } });
    assert.deepEqual(await violationsOf(policy, { type: T.container, props }), []);
  });

  test("exempts one-shot job containers", async () => {
    const bare = { name: "eqmd_migrate", image: "matrixdotorg/synapse:v1.163.2" };
    for (const job of [{ attach: true }, { mustRun: false }, { start: false }]) {
      assert.deepEqual(
        await violationsOf(policy, { type: T.container, props: { ...bare, ...job } }),
        [],
        JSON.stringify(job),
      );
    }
  });

  test("reports a service without restart policy or healthcheck: two violations with remedies", async () => {
    const violations = await violationsOf(policy, {
      type: T.container,
      name: "element",
      props: { name: "eqmd_element", image: "vectorim/element-web:v1.11.58" },
    });
    assert.equal(violations.length, 2);
    assert.match(
      violations[0],
      /^Container "eqmd_element" is long-running but its restart policy is unset \(Docker's default "no"\), so nothing restarts it\. Set `restart: "unless-stopped"`/,
    );
    assert.match(
      violations[1],
      /^Container "eqmd_element" is long-running but has no healthcheck\. Declare `healthcheck: /,
    );
    assert.match(violations[1], /replaceOnChanges: \["healthcheck"\]/);
  });

  test('reports restart "no" explicitly set', async () => {
    const violations = await violationsOf(policy, { type: T.container, props: goodContainer({ restart: "no" }) });
    assert.deepEqual(violations.length, 1);
    assert.match(violations[0], /its restart policy is "no"/);
  });

  test("reports healthchecks that cannot report health", async () => {
    for (const [healthcheck, problem] of [
      [{ interval: "5s" }, "has a healthcheck without tests"],
      [{ tests: [] }, "has a healthcheck without tests"],
      [{ tests: ["NONE"] }, 'has a healthcheck that disables health checking (tests ["NONE"])'],
      [{ tests: ["CMD"] }, 'has healthcheck tests ["CMD"] without a command to run'],
      [{ tests: ["CMD-SHELL", " "] }, 'has healthcheck tests ["CMD-SHELL"] without a command to run'],
      [
        { tests: ["curl", "-f", "http://localhost"] },
        'has healthcheck tests starting with "curl" instead of "CMD" or "CMD-SHELL"',
      ],
    ] as const) {
      assert.equal(healthcheckProblem(healthcheck), problem);
      const violations = await violationsOf(policy, { type: T.container, props: goodContainer({ healthcheck }) });
      assert.equal(violations.length, 1);
      assert.ok(violations[0].startsWith(`Container "eqmd_synapse" is long-running but ${problem}. `), violations[0]);
    }
  });

  test("ignores other resource types", async () => {
    assert.deepEqual(await violationsOf(policy, { type: T.volume, props: { name: "media" } }), []);
  });
});
