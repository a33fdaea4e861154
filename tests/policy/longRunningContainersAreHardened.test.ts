import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { longRunningContainersAreHardened as policy } from "../../policy/policies";
import { goodContainer, T, violationsOf } from "./support";

const IN_MATRIX =
  "urn:pulumi:dev::eqmd-matrix::eqmd:matrix:MatrixStack$eqmd:matrix:Synapse$docker:index/container:Container::synapse";
const OUTSIDE = "urn:pulumi:dev::eqmd-matrix::eqmd:matrix:ManagedPostgres$docker:index/container:Container::pg";

const bounded = { logDriver: "json-file", logOpts: { "max-size": "10m", "max-file": "5" } };
const hardened = {
  user: "1001:1001",
  capabilities: { drops: ["ALL"] },
  securityOpts: ["no-new-privileges:true"],
  readOnly: true,
  tmpfs: { "/tmp": "rw,noexec,nosuid,uid=1001,gid=1001" },
  init: true,
};

const check = (props: Record<string, unknown>, urn = IN_MATRIX) =>
  violationsOf(policy, { type: T.container, name: "synapse", urn, props: goodContainer(props) });

describe("long-running-containers-are-hardened", () => {
  test("passes a Matrix container with a bounded log and eqmd's hardening", async () => {
    assert.deepEqual(await check({ ...bounded, ...hardened }), []);
  });

  test("outside MatrixStack only the log bound is required (the dev PostgreSQL)", async () => {
    assert.deepEqual(await check(bounded, OUTSIDE), []);
    const [violation] = await check({ logOpts: undefined }, OUTSIDE);
    assert.match(
      violation,
      /^Container "eqmd_synapse" is long-running but its json-file log has no max-size and no max-file\. Set `logDriver: "json-file"`/,
    );
  });

  test("a log without max-file is refused; another driver is the host's to bound", async () => {
    const [violation] = await check({ ...hardened, logOpts: { "max-size": "10m" } });
    assert.match(violation, /has no max-file\./);
    assert.deepEqual(await check({ ...hardened, logDriver: "journald" }), []);
  });

  test("each missing piece of the hardening is named in one violation", async () => {
    const violations = await check({ ...bounded, user: "0:0", capabilities: { drops: ["ALL"], adds: ["CAP_SETUID"] } });
    assert.equal(violations.length, 1);
    assert.match(
      violations[0],
      /inside eqmd:matrix:MatrixStack but user "0:0" is root; adds capabilities CAP_SETUID; no no-new-privileges; the root file system is writable; no tmpfs on \/tmp; no init\. Run it as eqmd's/,
    );
  });

  test("exempts one-shot jobs", async () => {
    assert.deepEqual(await check({ attach: true, mustRun: false, restart: "no" }), []);
  });
});
