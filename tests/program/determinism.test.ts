/**
 * Idempotency at the declaration level: the same config declares byte-identical inputs (so a
 * second `pulumi up` has nothing to do), and a branding change touches only Element's config job.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProgramRun, runProgram } from "../support/programHarness";

const SECRETS = { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" };

const byUrn = (run: ProgramRun) => new Map(run.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));

test("two evaluations with the same config declare byte-identical inputs", () => {
  const a = byUrn(runProgram("Pulumi.prod.yaml", { secrets: SECRETS }));
  const b = byUrn(runProgram("Pulumi.prod.yaml", { secrets: SECRETS }));
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [urn, inputs] of a) assert.equal(b.get(urn), inputs, `inputs of ${urn} differ between two evaluations`);
});

test("a change to Element branding changes only the job that writes Element's config.json", () => {
  const before = byUrn(runProgram("Pulumi.prod.yaml", { secrets: SECRETS }));
  const after = byUrn(
    runProgram("Pulumi.prod.yaml", {
      secrets: SECRETS,
      overrides: { "eqmd-matrix:element": { port: "127.0.0.1:8080", brand: "Hospital X Chat" } },
    }),
  );
  const changed = [...before].filter(([urn, inputs]) => after.get(urn) !== inputs).map(([urn]) => urn);
  assert.equal(changed.length, 1, `changed: ${changed.join(", ")}`);
  // Element itself keeps running: nginx serves the rewritten file at once.
  assert.match(changed[0], /eqmd:matrix:ElementWeb\$docker:index\/container:Container::matrix-element-config-writer$/);
});

test("invalid config fails before any resource is declared, naming key, value and fix", async () => {
  const { recordProgram } = await import("../support/programHarness");
  const result = recordProgram("Pulumi.prod.yaml", { overrides: { "eqmd-matrix:synapse": { port: "8008" } } });
  assert.match(result.error ?? "", /eqmd-matrix:synapse\.port = "8008": expected a published port "<ip>:<port>"/);
  assert.equal(result.resources.filter((r) => r.custom).length, 0);
});

test("a secret given in plain text in the stack file fails, naming the command that fixes it", async () => {
  const { recordProgram } = await import("../support/programHarness");
  const result = recordProgram("Pulumi.prod.yaml", {
    overrides: { "eqmd-matrix:postgresAdminPassword": "plain-text-password" },
  });
  assert.match(
    result.error ?? "",
    /eqmd-matrix:postgresAdminPassword = \(secret, not shown\): expected an encrypted secret.*Fix: pulumi config set --secret postgresAdminPassword/,
  );
  assert.ok(!(result.error ?? "").includes("plain-text-password"), "the value must not be shown");
  assert.equal(result.resources.filter((r) => r.custom).length, 0);
});
