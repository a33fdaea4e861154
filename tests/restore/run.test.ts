import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { restore } from "../../ops/restore/run";
import { config, defaultOutputs, PASSWORD, STACK } from "../reset/fakes";
import { fakeBackup, fakeDeployment, restoreOptions, restoreWorld } from "./support";

let backup: string;
before(async () => (backup = await fakeBackup()));
after(() => fs.rmSync(path.dirname(backup), { recursive: true, force: true }));

/** Index of the first command matching `re`; fails when none does. */
function at(lines: string[], re: RegExp): number {
  const i = lines.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `no command matching ${re} in:\n${lines.join("\n")}`);
  return i;
}

describe("restore: the order", () => {
  it("stages while Synapse serves, stops, swaps, starts Synapse once, reruns the steps after it, cleans up", async () => {
    const w = restoreWorld({}, { answers: [STACK] });
    const code = await restore(restoreOptions(backup, { yes: false }), w.restoreDeps);
    assert.equal(code, 0, w.all());
    const lines = w.lines();
    const order = [
      /^docker run --rm --network none --entrypoint python3 /,
      /^psql .* -d postgres .*DROP DATABASE IF EXISTS "matrix_db_restore" WITH \(FORCE\)$/,
      /CREATE DATABASE "matrix_db_restore" OWNER "matrix_user" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'$/,
      /^pg_restore .* -d matrix_db_restore --no-owner --no-privileges --role=matrix_user --exit-on-error .*database\.dump$/,
      /TRUNCATE e2e_one_time_keys_json$/,
      /^docker run --rm -i --name eqmd_matrix_media_store_restore .*-v eqmd_matrix_media_store:\/store .*\.restore-staging/,
      /^docker stop -t 30 eqmd_matrix_synapse$/,
      /pg_terminate_backend/,
      /BEGIN; ALTER DATABASE "matrix_db" RENAME TO "matrix_db_prerestore"; ALTER DATABASE "matrix_db_restore" RENAME TO "matrix_db"; COMMIT$/,
      /mv -t \.prerestore/,
      /^docker start eqmd_matrix_synapse$/,
      /^docker inspect /,
      /DROP DATABASE IF EXISTS "matrix_db_prerestore"/,
      /rm -rf \/store\/\.prerestore/,
    ];
    let last = -1;
    for (const re of order) {
      const i = lines.findIndex((l, j) => j > last && re.test(l));
      assert.ok(i > last, `${re} after command ${last} in:\n${lines.join("\n")}`);
      last = i;
    }
    assert.equal(lines.filter((l) => /^docker start /.test(l)).length, 1, "Synapse is started once");
    const journal = w.journal.entries;
    assert.ok(
      journal.indexOf("prompt") < journal.findIndex((e) => e.startsWith("cmd:psql")),
      "nothing before the confirmation",
    );
    assert.ok(
      journal.indexOf("stack:up") > journal.findIndex((e) => e.startsWith("cmd:docker start")),
      "the rebuild's up runs after Synapse is started",
    );
    assert.deepEqual(
      w.stack.call("up")?.opts.replace,
      fakeDeployment().rerun,
      "admin and verification, not the OIDC client",
    );
    const summary = w.out().slice(w.out().indexOf("Summary (stack dev):"));
    for (const phase of ["check", "confirm", "build", "stage", "stop", "swap", "start", "rebuild", "cleanup", "total"])
      assert.match(summary, new RegExp(`^  ${phase} +(\\d|skipped)`, "m"), summary);
    assert.match(summary, /build +skipped \(the stack is up\)/);
    assert.match(w.out(), /Signing key: the stack keeps its own|Signing key: a_fake, the same as the backup's/);
  });

  it("keeps the PostgreSQL password out of argv and output", async () => {
    const w = restoreWorld({ config: config({ postgresAdminPassword: PASSWORD }, ["postgresAdminPassword"]) });
    assert.equal(await restore(restoreOptions(backup), w.restoreDeps), 0, w.all());
    for (const c of w.commands) assert.ok(!c.argv.some((a) => a.includes(PASSWORD)), c.argv.join(" "));
    assert.equal(w.commands.find((c) => c.argv[0] === "pg_restore")?.env?.["PGPASSWORD"], PASSWORD);
    assert.doesNotMatch(w.all(), new RegExp(PASSWORD));
  });

  it("a new host: builds the stack with pulumi up first, then restores into it", async () => {
    // Nothing in the state either: this engine never had the stack.
    const fresh = restoreWorld({ outputs: {}, deployment: { resources: [] }, outputsAfterUp: defaultOutputs() });
    assert.equal(await restore(restoreOptions(backup), fresh.restoreDeps), 0, fresh.all());
    const ups = fresh.stack.calls.filter((c) => c.method === "up");
    assert.equal(ups.length, 2, "build, then the rebuild");
    assert.equal(ups[0]?.method === "up" && ups[0].opts.replace, undefined);
    const journal = fresh.journal.entries;
    assert.ok(journal.indexOf("stack:up") < journal.findIndex((e) => e.startsWith("cmd:pg_restore")));
    assert.match(fresh.out(), /no Matrix side on this engine yet \(a new host\)/);
  });
});

describe("restore: refusals change nothing", () => {
  const nothingChanged = (w: ReturnType<typeof restoreWorld>): void => {
    assert.ok(
      !w.lines().some((l) => /^(psql|pg_restore|docker (stop|start)|docker run --rm -i)/.test(l)),
      w.lines().join("\n"),
    );
    assert.equal(w.stack.call("up"), undefined);
    assert.match(w.err(), /Nothing was changed/);
  };

  it("a backup that fails its checksums (a truncated archive)", async () => {
    const copy = `${backup}-truncated`;
    fs.cpSync(backup, copy, { recursive: true });
    fs.truncateSync(path.join(copy, "media.tar"), 2);
    const w = restoreWorld();
    assert.equal(await restore(restoreOptions(copy), w.restoreDeps), 2);
    assert.match(w.err(), /media\.tar: 2 bytes, the manifest says \d+ \(truncated\)/);
    nothingChanged(w);
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it("another server name than the stack's", async () => {
    const w = restoreWorld({ config: config({ matrixFqdn: "matrix.other.org" }) });
    assert.equal(await restore(restoreOptions(backup), w.restoreDeps), 2);
    assert.match(w.err(), /the backup is of server "matrix\.localhost", the stack serves "matrix\.other\.org"/);
    nothingChanged(w);
  });

  it("a schema newer than the stack's Synapse can run", async () => {
    const w = restoreWorld({}, { commandResults: { "docker run": { stdout: "1.90.0 80\n" } } });
    assert.equal(await restore(restoreOptions(backup), w.restoreDeps), 2);
    assert.match(w.err(), /needs a Synapse that runs schema 83 or newer .* Synapse 1\.90\.0, schema 80/);
    nothingChanged(w);
  });

  it("a stack whose config forbids resets (the production protection)", async () => {
    const w = restoreWorld({ name: "prod", config: config({ reset: { allowed: false } }) });
    assert.equal(await restore(restoreOptions(backup, { stack: "prod" }), w.restoreDeps), 2);
    assert.match(w.err(), /Refusing to restore stack "prod": its config forbids resets/);
    assert.deepEqual(w.commands, []);
    nothingChanged(w);
  });

  it("no terminal and no --yes; a wrong stack name typed", async () => {
    const noTty = restoreWorld({}, { isTTY: false });
    assert.equal(await restore(restoreOptions(backup, { yes: false }), noTty.restoreDeps), 2);
    nothingChanged(noTty);
    const wrong = restoreWorld({}, { answers: ["prod"] });
    assert.equal(await restore(restoreOptions(backup, { yes: false }), wrong.restoreDeps), 1);
    nothingChanged(wrong);
  });
});

describe("restore: failures put the current data back", () => {
  it("pg_restore fails: the staged copy is dropped, Synapse was never stopped", async () => {
    const w = restoreWorld(
      {},
      {
        commandResults: {
          "pg_restore -h": { exitCode: 1, stderr: "pg_restore: error: could not read input file: end of file" },
        },
      },
    );
    assert.equal(await restore(restoreOptions(backup), w.restoreDeps), 1);
    const lines = w.lines();
    assert.ok(!lines.some((l) => /^docker stop/.test(l)));
    assert.ok(at(lines, /DROP DATABASE IF EXISTS "matrix_db_restore"/) >= 0);
    assert.match(
      w.err(),
      /Staging failed: pg_restore: pg_restore -h exited with code 1:\n +pg_restore: error: could not read input file/,
    );
    assert.match(w.err(), /Nothing was changed: Synapse kept serving the current data/);
  });

  it("^C while staging: stops at the next safe point, the staged copy is removed, Synapse never stopped", async () => {
    const w = restoreWorld({}, { interruptAfter: /^pg_restore/ });
    assert.equal(await restore(restoreOptions(backup), w.restoreDeps), 1);
    const lines = w.lines();
    assert.ok(!lines.some((l) => /^docker stop|RENAME/.test(l)), lines.join("\n"));
    assert.match(w.err(), /Interrupted \(\^C\): \^C: stopped at the next safe point/);
    assert.match(w.out(), /Result: interrupted in stage; nothing was changed/);
  });

  it("the swap fails: Synapse is started again on the current data", async () => {
    const w = restoreWorld({}, { commandResults: { "psql -h": { exitCode: 0 } } });
    const failing = {
      ...w.restoreDeps,
      runCommand: async (spec: Parameters<typeof w.restoreDeps.runCommand>[0]) =>
        /RENAME TO "matrix_db_prerestore"/.test(spec.argv.join(" "))
          ? { exitCode: 1, stdout: "", stderr: "ERROR:  permission denied to rename database" }
          : w.restoreDeps.runCommand(spec),
    };
    assert.equal(await restore(restoreOptions(backup), failing), 1);
    const lines = w.lines();
    assert.ok(at(lines, /^docker stop/) < at(lines, /^docker start/));
    assert.ok(!lines.some((l) => /mv -t \.prerestore/.test(l)), "media untouched");
    assert.match(w.err(), /The swap failed: database: .*permission denied to rename database/s);
    assert.equal(w.stack.call("up"), undefined);
  });

  it("Synapse unhealthy on the restored data: the previous database and media are swapped back and started", async () => {
    const w = restoreWorld({}, { commandResults: { "docker inspect": { stdout: "unhealthy\n" } } });
    assert.equal(await restore(restoreOptions(backup), w.restoreDeps), 1);
    const lines = w.lines();
    const starts = lines.filter((l) => /^docker start/.test(l)).length;
    assert.equal(starts, 2, "the restored start, then the start on the previous data");
    assert.ok(
      at(lines, /RENAME TO "matrix_db_restore"; ALTER DATABASE "matrix_db_prerestore" RENAME TO "matrix_db"/) > 0,
    );
    assert.ok(at(lines, /find \.prerestore -mindepth 1 -maxdepth 1 -exec mv -t \. /) > 0);
    assert.match(w.err(), /The previous database and media are back/);
    assert.equal(w.stack.call("up"), undefined);
  });
});
