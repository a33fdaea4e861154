/**
 * npm run backup and npm run restore on the real engine (the dev-e2e stack), in one file run:
 * data made through Synapse's APIs (two accounts, a room of 1,000 messages, three uploads) →
 * backup (the archive inspected) → the backup's faults (folder not writable, full disk,
 * PostgreSQL stopped mid-dump) → reset --wipe-media → restore (Synapse started once; the old
 * tokens read the history in order and download every upload byte for byte; the admin API
 * answers) → the restore's faults (a truncated archive, ^C, then the same restore resumed) →
 * disaster recovery (the stack destroyed with its volumes and state, restored onto a fresh one).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { OutputMap } from "@pulumi/pulumi/automation";
import { REPO_ROOT } from "../contract/support/paths";
import { runCommand } from "../contract/support/run";
import { resourceNames } from "../../config/names";
import { docker, watchEvents, watchStarts } from "./support/docker";
import { DevStack, openCleanDevStack, openDevStack } from "./support/devStack";
import { Figures } from "./support/figures";
import { assertDataIntact, makeData, MatrixData, MatrixHttp } from "./support/matrixData";
import { E2E_POSTGRES_PORT, E2E_PREFIX, E2E_SYNAPSE_PORT } from "./differences";

const NAMES = resourceNames(E2E_PREFIX);
const SYNAPSE = NAMES.synapseContainer;
const POSTGRES = NAMES.postgresContainer;
const STACK = "dev-e2e";
const SERVER_NAME = "localhost";
const http = new MatrixHttp(`http://127.0.0.1:${E2E_SYNAPSE_PORT}`);
const figures = new Figures();

function secretOutput(outputs: OutputMap, key: string): string {
  const output = outputs[key];
  assert.ok(output, `stack output ${key} is missing`);
  return String(output.value);
}

/** psql as the dev PostgreSQL's superuser over the published port, on `database`. */
const psqlArgv = (database: string): string[] => [
  "psql",
  "-h",
  "127.0.0.1",
  "-p",
  String(E2E_POSTGRES_PORT),
  "-U",
  "eqmd_user",
  "-d",
  database,
];

/** One statement's unaligned result. */
async function sql(statement: string, password: string, database = "postgres"): Promise<string> {
  const r = await runCommand([...psqlArgv(database), "-tAX", "-c", statement], {
    env: { PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" },
  });
  return r.stdout.trim();
}

/** A tmpfs of `size` mounted on a new folder (read-only when asked); unmounted by the returned function. */
async function tmpfs(size: string, readOnly: boolean): Promise<{ dir: string; unmount: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-e2e-tmpfs-"));
  await runCommand(["mount", "-t", "tmpfs", "-o", `size=${size}${readOnly ? ",ro" : ""}`, "tmpfs", dir]);
  return {
    dir,
    unmount: async () => {
      await runCommand(["umount", dir], { allowFailure: true });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Everything inside the media volume, including the restore's own folders, as root sees it. */
function mediaTopLevel(): Promise<string> {
  return docker(["exec", SYNAPSE, "ls", "-A", "/data/media_store"]);
}

async function waitUntil(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  assert.fail(`${what}: not within ${deadlineMs / 1000}s`);
}

describe("backup and restore on the real engine (dev-e2e)", { timeout: 60 * 60_000 }, () => {
  let dev: DevStack;
  let data: MatrixData;
  let pgPassword = "";
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-e2e-backups-"));
  let backupDir = "";

  const npm = (args: string[]) => dev.npm(args);

  before(async () => {
    dev = await openCleanDevStack();
  });

  after(async () => {
    if (dev) {
      await dev.stack.destroy({ continueOnError: true }).catch(() => undefined);
      dev.dispose();
    }
    await docker(["volume", "rm", "-f", NAMES.mediaVolume, NAMES.postgresDataVolume]).catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
    figures.print();
  });

  it("up, then two accounts, a room of 1,000 messages and three uploads", async () => {
    await figures.time("up from empty state", () => dev.stack.up({ onOutput: () => undefined }));
    const outputs = await dev.stack.outputs();
    pgPassword = secretOutput(outputs, "postgresAdminPassword");
    data = await figures.time("1,000 messages and 3 uploads", () =>
      makeData(http, secretOutput(outputs, "synapseAdminToken"), SERVER_NAME, 1000, [
        1024,
        300 * 1024,
        2 * 1024 * 1024,
      ]),
    );
    await assertDataIntact(http, data);
  });

  it("npm run backup while Synapse serves: a complete folder, 0700/0600, a manifest that checks out", async () => {
    const result = await figures.time("npm run backup", () => npm(["backup", "--", "--stack", STACK, "--to", work]));
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const [folder, ...rest] = fs.readdirSync(work);
    assert.deepEqual(rest, [], "one folder, no .partial");
    backupDir = path.join(work, folder ?? "");
    assert.match(folder ?? "", /^dev-e2e-\d{8}T\d{6}Z$/);
    assert.match(result.stdout, new RegExp(`Backup written: ${backupDir}`));
    assert.match(result.stdout, /database: [\d.]+ (KiB|MiB) in [\d.]+s \([\d.]+ (KiB|MiB)\/s\)/);
    assert.equal(fs.statSync(backupDir).mode & 0o777, 0o700);
    const names = fs.readdirSync(backupDir).sort();
    assert.deepEqual(names, ["database.dump", "manifest.json", "media.tar", "signing.key"]);
    for (const name of names) assert.equal(fs.statSync(path.join(backupDir, name)).mode & 0o777, 0o600, name);

    const manifest = JSON.parse(fs.readFileSync(path.join(backupDir, "manifest.json"), "utf8")) as {
      serverName: string;
      synapse: { version: string; schemaVersion: number; compatVersion: number };
      signingKey: { keyId: string };
      files: Record<string, { name: string; bytes: number; sha256: string }>;
    };
    assert.equal(manifest.serverName, SERVER_NAME);
    const running = await docker(["exec", SYNAPSE, "python3", "-c", "import synapse; print(synapse.__version__)"]);
    assert.equal(manifest.synapse.version, running);
    assert.ok(manifest.synapse.schemaVersion >= manifest.synapse.compatVersion);
    for (const f of Object.values(manifest.files)) {
      const bytes = fs.readFileSync(path.join(backupDir, f.name));
      assert.equal(bytes.length, f.bytes, f.name);
      assert.equal(createHash("sha256").update(bytes).digest("hex"), f.sha256, f.name);
    }
    // The archive, inspected with the tools an operator has.
    const listing = await runCommand(["pg_restore", "--list", path.join(backupDir, "database.dump")]);
    assert.match(listing.stdout, /TABLE public events /);
    assert.match(listing.stdout, /TABLE public local_media_repository /);
    const tar = await runCommand(["tar", "-tvf", path.join(backupDir, "media.tar")]);
    const files = tar.stdout.split("\n").filter((l) => l.startsWith("-") && l.includes("local_content/"));
    assert.equal(files.length, 3, tar.stdout);
    for (const line of files) assert.match(line, /^-\S+ 1001\/1001 /, "the media keep Synapse's owner");
    const key = fs.readFileSync(path.join(backupDir, "signing.key"), "utf8");
    assert.match(key, new RegExp(`^ed25519 ${manifest.signingKey.keyId} [A-Za-z0-9+/]{43}\\n$`));
    assert.ok(!result.stdout.includes(pgPassword) && !result.stderr.includes(pgPassword), "no password in the output");
  });

  it("backup faults: a folder that is not writable, a full disk, PostgreSQL stopped mid-dump; each says why and leaves nothing", async () => {
    const ro = await tmpfs("4m", true);
    try {
      const r = await npm(["backup", "--", "--stack", STACK, "--to", ro.dir]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Backup failed \(folder\): cannot create .*read-only file system/i);
      assert.deepEqual(fs.readdirSync(ro.dir), []);
    } finally {
      await ro.unmount();
    }

    const full = await tmpfs("1m", false);
    try {
      const r = await npm(["backup", "--", "--stack", STACK, "--to", full.dir]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Backup failed \((database|media)\): .*no space left on device/is);
      assert.deepEqual(fs.readdirSync(full.dir), [], "no partial folder on the full disk");
    } finally {
      await full.unmount();
    }

    // pg_dump waits for a lock held by another session; PostgreSQL is stopped while it waits.
    const dir = fs.mkdtempSync(path.join(work, "..", "eqmd-e2e-pgstop-"));
    const [psql = "psql", ...psqlRest] = psqlArgv("matrix_db");
    const locker = spawn(
      psql,
      [...psqlRest, "-c", "BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120);"],
      { env: { ...process.env, PGPASSWORD: pgPassword }, stdio: "ignore" },
    );
    try {
      await waitUntil(
        "the lock is held",
        30_000,
        async () =>
          (await sql(
            "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND granted AND relation = 'events'::regclass",
            pgPassword,
            "matrix_db",
          )) === "1",
      );
      const backup = npm(["backup", "--", "--stack", STACK, "--to", dir]);
      await waitUntil(
        "pg_dump waits for the lock",
        60_000,
        async () =>
          (await sql(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg_dump' AND wait_event_type = 'Lock'",
            pgPassword,
          )) === "1",
      );
      await docker(["stop", POSTGRES]);
      const r = await backup;
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stderr,
        /Backup failed \(database\): pg_dump exited with code 1:[\s\S]*(server closed the connection|terminating connection|connection to server)/,
      );
      assert.deepEqual(fs.readdirSync(dir), [], "nothing that looks like a backup");
    } finally {
      locker.kill();
      await docker(["start", POSTGRES]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await waitUntil("Synapse serves again after PostgreSQL is back", 120_000, async () => {
      const me = await http.call("GET", "/_matrix/client/v3/account/whoami", data.alice.token);
      return me.status === 200;
    });
  });

  it("npm run reset -- --wipe-media, then npm run restore: Synapse started once, the old tokens read everything", async () => {
    const reset = await figures.time("npm run reset --wipe-media", () =>
      npm(["reset", "--", "--stack", STACK, "--yes", "--wipe-media"]),
    );
    assert.equal(reset.code, 0, `${reset.stdout}\n${reset.stderr}`);
    assert.equal(
      (await http.call("GET", "/_matrix/client/v3/account/whoami", data.alice.token)).status,
      401,
      "the reset forgot the old tokens",
    );

    // By name: the engine's container filter also matches longer names.
    const starts = await watchEvents(SYNAPSE, "start", "{{.Actor.Attributes.name}}");
    const restore = await figures.time("npm run restore (after reset)", () =>
      npm(["restore", "--", "--stack", STACK, "--from", backupDir, "--yes"]),
    );
    assert.equal(restore.code, 0, `${restore.stdout}\n${restore.stderr}`);
    const started = await starts.stop();
    assert.deepEqual(
      started.filter((name) => name === SYNAPSE),
      [SYNAPSE],
      `the restore started Synapse once (container starts seen: ${started.join(", ")})`,
    );
    console.log(restore.stdout.slice(restore.stdout.indexOf("Signing key")));
    assert.match(restore.stdout, /Summary \(stack dev-e2e\):\n {2}check +\S+/);
    for (const phase of ["stage", "stop", "swap", "start", "rebuild", "cleanup"])
      assert.match(restore.stdout, new RegExp(`^  ${phase} +\\d`, "m"));
    assert.match(restore.stdout, /Signing key: the stack keeps its own \(a_\w+\); the backup's \(a_\w+\) stays in/);
    await assertDataIntact(http, data);
    const outputs = await dev.stack.outputs();
    const admin = await http.ok(
      "GET",
      `/_synapse/admin/v2/users/${encodeURIComponent(data.alice.userId)}`,
      secretOutput(outputs, "synapseAdminToken"),
    );
    assert.equal(admin["name"], data.alice.userId, "the admin API answers with the stack's admin token");
    assert.equal(
      await sql("SELECT count(*) FROM pg_database WHERE datname LIKE 'matrix_db_%'", pgPassword),
      "0",
      "no staged or previous database left",
    );
    assert.doesNotMatch(await mediaTopLevel(), /\.restore-staging|\.prerestore/);
  });

  it("restore faults: a truncated archive is refused with nothing changed; ^C puts the current data back; the same restore then resumes", async () => {
    const truncated = `${backupDir}-truncated`;
    fs.cpSync(backupDir, truncated, { recursive: true });
    fs.truncateSync(path.join(truncated, "media.tar"), 4096);
    const starts = await watchStarts(SYNAPSE);
    const refused = await npm(["restore", "--", "--stack", STACK, "--from", truncated, "--yes"]);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /media\.tar: 4096 bytes, the manifest says \d+ \(truncated\)/);
    assert.match(refused.stderr, /Nothing was changed/);
    assert.equal(await starts.stop(), 0, "Synapse was not touched");
    fs.rmSync(truncated, { recursive: true, force: true });

    // ^C as a terminal sends it: to the whole process group, while the backup is being staged.
    const tools = dev.env;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "ops/restore/main.ts", "--stack", STACK, "--from", backupDir, "--yes"],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...tools },
        detached: true,
      },
    );
    let output = "";
    let sent = false;
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    // ^C once the staged database exists: pg_restore (or the media unpacking after it) is running.
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!sent && /Staging the backup/.test(output)) {
        sent = true;
        void waitUntil(
          "the staged database exists",
          60_000,
          async () =>
            (await sql("SELECT count(*) FROM pg_database WHERE datname = 'matrix_db_restore'", pgPassword)) === "1",
        ).finally(() => process.kill(-(child.pid ?? 0), "SIGINT"));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 10 * 60_000);
    const code = await exited;
    clearTimeout(timer);
    assert.ok(sent, output);
    console.log(`^C during the restore, exit ${code}:\n${output.slice(output.indexOf("Staging the backup"))}`);
    assert.equal(code, 1, output);
    assert.match(output, /Interrupted \(\^C\)/);
    assert.match(output, /Nothing was changed: Synapse kept serving the current data/);
    assert.equal((await docker(["inspect", "-f", "{{.State.Running}}", SYNAPSE])).trim(), "true");
    assert.equal(await sql("SELECT count(*) FROM pg_database WHERE datname LIKE 'matrix_db_%'", pgPassword), "0");
    assert.doesNotMatch(await mediaTopLevel(), /\.restore-staging/);
    await assertDataIntact(http, data);

    const resumed = await figures.time("npm run restore (after ^C)", () =>
      npm(["restore", "--", "--stack", STACK, "--from", backupDir, "--yes"]),
    );
    assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
    await assertDataIntact(http, data);
  });

  it("disaster recovery: the stack destroyed with its volumes and state, restored onto a fresh one by the same command", async () => {
    await figures.time("destroy (whole stack)", () => dev.stack.destroy({ onOutput: () => undefined }));
    await docker(["volume", "rm", "-f", NAMES.mediaVolume, NAMES.postgresDataVolume]);
    assert.deepEqual(
      (await docker(["volume", "ls", "-q"]))
        .split("\n")
        .filter((v) => v === NAMES.mediaVolume || v === NAMES.postgresDataVolume),
      [],
      "the volumes are gone",
    );
    dev.dispose();
    dev = await openDevStack(); // a new, empty state backend: a host that never had the stack
    assert.deepEqual(await dev.stack.outputs(), {});

    const restore = await figures.time("npm run restore (new host: up, then restore)", () =>
      npm(["restore", "--", "--stack", STACK, "--from", backupDir, "--yes"]),
    );
    assert.equal(restore.code, 0, `${restore.stdout}\n${restore.stderr}`);
    assert.match(restore.stdout, /no Matrix side on this engine yet \(a new host\)/);
    assert.match(restore.stdout, /^ {2}build +\d/m);
    await assertDataIntact(http, data);
    const outputs = await dev.stack.outputs();
    pgPassword = secretOutput(outputs, "postgresAdminPassword");
    await http.ok(
      "GET",
      `/_synapse/admin/v2/users/${encodeURIComponent(data.bob.userId)}`,
      secretOutput(outputs, "synapseAdminToken"),
    );
    const second = await dev.stack.preview({ onOutput: () => undefined });
    assert.deepEqual(
      Object.keys(second.changeSummary).filter((k) => k !== "same"),
      [],
      `a restored stack is at rest: ${JSON.stringify(second.changeSummary)}`,
    );
  });
});
