/**
 * Synapse's optional log file under mocks: with synapse.fileLog (the prod example) a volume of
 * its own at /data/logs, chowned by a one-shot job before Synapse starts, kept on delete;
 * without it (dev) neither exists, and the media side is declared exactly as before.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProgramRun, RecordedResource, runProgram } from "../support/programHarness";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const SECRETS = { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" };

let prod: ProgramRun;
let dev: ProgramRun;
let prodWithoutFileLog: ProgramRun;

before(() => {
  prod = runProgram("Pulumi.prod.yaml", { secrets: SECRETS });
  dev = runProgram("Pulumi.dev.yaml");
  prodWithoutFileLog = runProgram("Pulumi.prod.yaml", {
    secrets: SECRETS,
    overrides: {
      "eqmd-matrix:synapse": { port: "127.0.0.1:8008", passwordLogin: false },
    },
  });
});

const container = (run: ProgramRun, name: string): RecordedResource | undefined =>
  run.all(CONTAINER).find((c) => c.inputs["name"] === name);
const mounts = (c: RecordedResource) =>
  (c.inputs["volumes"] as { volumeName: string; containerPath: string; readOnly?: boolean }[] | undefined) ?? [];
const labels = (c: RecordedResource) =>
  Object.fromEntries(((c.inputs["labels"] as { label: string; value: string }[]) ?? []).map((l) => [l.label, l.value]));

describe("the log volume (synapse.fileLog)", () => {
  test("prod: eqmd_matrix_logs, kept on delete and replaced delete-first (fixed name)", () => {
    const volume = prod.one(VOLUME, "-logs");
    assert.equal(volume.inputs["name"], "eqmd_matrix_logs");
    assert.equal(volume.options.retainOnDelete, true, "logs outlive a reset");
    assert.equal(volume.options.deleteBeforeReplace, true);
  });

  test("Synapse mounts it at /data/logs, beside the media store", () => {
    const synapse = container(prod, "eqmd_matrix_synapse");
    assert.ok(synapse);
    assert.deepEqual(mounts(synapse), [
      { volumeName: "eqmd_matrix_config", containerPath: "/data/config", readOnly: true },
      { volumeName: "eqmd_matrix_secrets", containerPath: "/data/secrets", readOnly: true },
      { volumeName: "eqmd_matrix_media_store", containerPath: "/data/media_store" },
      { volumeName: "eqmd_matrix_logs", containerPath: "/data/logs" },
    ]);
  });

  test("a one-shot job chowns it to the Synapse UID:GID, and Synapse waits for the job", () => {
    const job = container(prod, "eqmd_matrix_logs_init");
    assert.ok(job, "no eqmd_matrix_logs_init job");
    assert.deepEqual(mounts(job), [{ volumeName: "eqmd_matrix_logs", containerPath: "/data/logs" }]);
    assert.equal(job.inputs["user"], "0:0");
    assert.equal(job.inputs["attach"], true);
    assert.equal(job.inputs["mustRun"], false);
    assert.equal(job.inputs["restart"], "no");
    assert.deepEqual(job.inputs["command"], [
      "chown 1001:1001 /data/logs && find /data/logs -xdev \\( ! -user 1001 -o ! -group 1001 \\) -exec chown -h 1001:1001 {} +",
    ]);
    const synapse = container(prod, "eqmd_matrix_synapse");
    assert.ok(synapse);
    assert.ok(synapse.options.dependsOn.includes(job.urn), "Synapse starts only after the chown");
    assert.equal(labels(synapse)["eqmd.matrix/logs-owner"], "ok", "the job's exit status gates Synapse");
  });

  test("the chown follows uid and gid", () => {
    const run = runProgram("Pulumi.prod.yaml", {
      secrets: SECRETS,
      overrides: { "eqmd-matrix:uid": 1234, "eqmd-matrix:gid": 4321 },
    });
    const job = container(run, "eqmd_matrix_logs_init");
    assert.ok(job);
    assert.match(String((job.inputs["command"] as string[])[0]), /^chown 1234:4321 \/data\/logs && /);
  });

  test("the volume and job names follow the container prefix", () => {
    const run = runProgram("Pulumi.prod.yaml", {
      secrets: SECRETS,
      overrides: { "eqmd-matrix:containerPrefix": "hosp2" },
    });
    assert.equal(run.one(VOLUME, "-logs").inputs["name"], "hosp2_matrix_logs");
    assert.ok(container(run, "hosp2_matrix_logs_init"));
  });

  test("without fileLog (dev, or prod with the key removed): no log volume, no job, no mount", () => {
    for (const run of [dev, prodWithoutFileLog]) {
      assert.equal(run.all(VOLUME).filter((v) => v.name.endsWith("-logs")).length, 0);
      assert.equal(container(run, "eqmd_matrix_logs_init"), undefined);
      const synapse = container(run, "eqmd_matrix_synapse");
      assert.ok(synapse);
      assert.deepEqual(
        mounts(synapse).map((m) => m.containerPath),
        ["/data/config", "/data/secrets", "/data/media_store"],
      );
      assert.equal(labels(synapse)["eqmd.matrix/logs-owner"], undefined);
    }
  });

  test("the media volume and its job are declared the same with or without the log file", () => {
    for (const name of ["eqmd_matrix_media_init"]) {
      const a = container(prod, name);
      const b = container(prodWithoutFileLog, name);
      assert.ok(a && b);
      assert.deepEqual(a.inputs, b.inputs, "no diff for stacks that had the media job before");
      assert.equal(a.name, "matrix-synapse-media-owner");
    }
    assert.deepEqual(prod.one(VOLUME, "-media").inputs, prodWithoutFileLog.one(VOLUME, "-media").inputs);
  });
});
