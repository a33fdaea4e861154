import { SYNAPSE_PATHS } from "../../render/paths";
import { describe, it, beforeEach, afterEach } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkBackup, MANIFEST_FILE, PARTS } from "../../ops/backup/manifest";
import { backupFolder, takeBackup } from "../../ops/backup/run";
import { CommandSpec } from "../../ops/reset/types";
import { allowedFacts, config, defaultOutputs, FAKE_KEY_ID, FAKE_SIGNING_KEY, PASSWORD, world } from "../reset/fakes";

const PROGRAM = { name: "eqmd-matrix", version: "0.1.0" };

describe("npm run backup: the steps", () => {
  let to: string;
  beforeEach(() => (to = fs.mkdtempSync(path.join(os.tmpdir(), "backup-run-"))));
  afterEach(() => fs.rmSync(to, { recursive: true, force: true }));

  const facts = allowedFacts(
    "dev",
    config({ postgresAdminPassword: PASSWORD, matrixFqdn: "matrix.example.org" }, ["postgresAdminPassword"]),
    defaultOutputs(),
  );
  const backup = (w: ReturnType<typeof world>, lines: string[] = []) =>
    takeBackup(w.deps, facts, { to, program: PROGRAM, progressIntervalMs: 0 }, (l) => lines.push(l));

  it("runs versions → database → media → signing key, in that order, and names the folder <stack>-<UTC time>", async () => {
    const w = world();
    const result = await backup(w);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(
      w.commands.map((c) => c.argv.slice(0, 2).join(" ")),
      ["psql -h", "docker exec", "pg_dump -h", "docker cp", "docker cp"],
    );
    assert.match(w.commands[3]?.argv[2] ?? "", /:\/data\/media_store$/, "media after the dump");
    assert.ok(w.commands[4]?.argv[2]?.endsWith(`:${SYNAPSE_PATHS.signingKey}`));
    assert.match(path.basename(result.dir), /^dev-20260812T03\d{4}Z$/);
    assert.deepEqual(fs.readdirSync(to), [path.basename(result.dir)], "no .partial left beside it");
  });

  it("writes a manifest whose checksums verify: versions, server name, key id, sizes, timings", async () => {
    const result = await backup(world());
    assert.ok(result.ok);
    const m = result.manifest;
    assert.equal(m.serverName, "matrix.example.org");
    assert.deepEqual(m.program, PROGRAM);
    assert.deepEqual(m.synapse, { version: "1.99.0", image: facts.synapseImage, schemaVersion: 83, compatVersion: 83 });
    assert.deepEqual(m.signingKey, { keyId: FAKE_KEY_ID });
    assert.equal(fs.readFileSync(path.join(result.dir, "signing.key"), "utf8"), FAKE_SIGNING_KEY);
    for (const part of PARTS) {
      assert.ok(m.files[part].bytes > 0, part);
      assert.ok(m.timingsMs[part] >= 0, part);
    }
    const check = await checkBackup(result.dir);
    assert.ok(check.ok, JSON.stringify(check));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(result.dir, MANIFEST_FILE), "utf8")), m);
  });

  it("folder 0700, every file 0600; the password only in PGPASSWORD", async () => {
    const w = world();
    const result = await backup(w);
    assert.ok(result.ok);
    assert.equal(fs.statSync(result.dir).mode & 0o777, 0o700);
    const names = fs.readdirSync(result.dir).sort();
    assert.deepEqual(names, ["database.dump", "manifest.json", "media.tar", "signing.key"]);
    for (const name of names) assert.equal(fs.statSync(path.join(result.dir, name)).mode & 0o777, 0o600, name);
    for (const c of w.commands) assert.ok(!c.argv.some((a) => a.includes(PASSWORD)), c.argv.join(" "));
    assert.equal(w.commands.find((c) => c.argv[0] === "pg_dump")?.env?.["PGPASSWORD"], PASSWORD);
    assert.equal(w.commands.find((c) => c.argv[0] === "docker")?.env?.["PGPASSWORD"], undefined);
  });

  it("prints bytes and bytes/s for the database and the media", async () => {
    const lines: string[] = [];
    await backup(world(), lines);
    assert.ok(
      lines.some((l) => /^ {2}database: [\d.]+ KiB in [\d.]+s \([\d.]+ KiB\/s\)$/.test(l)),
      lines.join("\n"),
    );
    assert.ok(lines.some((l) => /^ {2}media: [\d.]+ KiB in/.test(l)));
  });

  for (const [step, key, stderr] of [
    ["versions", "psql", 'psql: error: connection to server at "127.0.0.1", port 5432 failed: Connection refused'],
    ["database", "pg_dump", "pg_dump: error: could not write to output file: No space left on device"],
    ["media", "docker cp", "Error response from daemon: No such container: eqmd_matrix_synapse"],
  ] as const) {
    it(`a failure in ${step} says so and leaves no folder that could pass for a backup`, async () => {
      const w = world({}, { commandResults: { [key]: { exitCode: 1, stderr } } });
      const result = await backup(w);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.failed === step);
      assert.ok(!result.ok && result.message.includes(stderr), !result.ok ? result.message : "");
      assert.deepEqual(fs.readdirSync(to), []);
    });
  }

  it("a target folder that cannot be created fails before any command runs", async () => {
    const file = path.join(to, "a-file");
    fs.writeFileSync(file, "");
    const w = world();
    const result = await takeBackup(
      w.deps,
      facts,
      { to: path.join(file, "bk"), program: PROGRAM, progressIntervalMs: 0 },
      () => {},
    );
    assert.ok(!result.ok && result.failed === "folder");
    assert.ok(!result.ok && /ENOTDIR/.test(result.message));
    assert.deepEqual(w.commands, []);
  });

  it("a signing key that is not one ed25519 line fails the backup", async () => {
    const w = world();
    const deps = {
      ...w.deps,
      runCommand: async (spec: CommandSpec) => {
        const r = await w.deps.runCommand(spec);
        if (spec.argv.some((a) => a.endsWith(`:${SYNAPSE_PATHS.signingKey}`)) && spec.stdoutFile)
          fs.writeFileSync(spec.stdoutFile, "garbage");
        return r;
      },
    };
    const result = await takeBackup(deps, facts, { to, program: PROGRAM, progressIntervalMs: 0 }, () => {});
    assert.ok(!result.ok && result.failed === "signingKey", JSON.stringify(result));
    assert.deepEqual(fs.readdirSync(to), []);
  });

  it("backupFolder: the partial name is the final one plus .partial", () => {
    const f = backupFolder("/srv/bk", "prod", new Date(Date.UTC(2026, 7, 12, 3, 15, 2, 789)));
    assert.deepEqual(f, { final: "/srv/bk/prod-20260812T031502Z", partial: "/srv/bk/prod-20260812T031502Z.partial" });
  });
});
