import { after, afterEach, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkBackup } from "../../ops/backup/manifest";
import { checkEnvFile } from "../../config/envFileCheck";
import { run } from "../../ops/reset/run";
import { ResetOptions } from "../../ops/reset/types";
import { config, defaultOutputs, PASSWORD, STACK, URN, world } from "./fakes";

/** A fresh folder for a --backup that really writes (removed after the file's tests). */
const scratchRoot = fs.mkdtempSync(path.join(os.tmpdir(), "reset-run-"));
after(() => fs.rmSync(scratchRoot, { recursive: true, force: true }));
const scratch = (): string => fs.mkdtempSync(path.join(scratchRoot, "bk-"));

const opts = (over: Partial<ResetOptions> = {}): ResetOptions => ({
  stack: STACK,
  wipeMedia: false,
  yes: false,
  ...over,
});

describe("reset: the happy path", () => {
  it("destroys exactly the MatrixStack URN with its dependents, then runs up", async () => {
    const w = world({}, { answers: [STACK] });
    const code = await run(opts(), w.deps);
    assert.equal(code, 0, w.all());
    assert.deepEqual(w.stack.methods(), ["getAllConfig", "outputs", "previewDestroy", "destroy", "up"]);

    const destroy = w.stack.call("destroy");
    assert.ok(destroy);
    assert.deepEqual(Object.keys(destroy.opts).sort(), ["onOutput", "target", "targetDependents"]);
    assert.deepEqual(destroy.opts.target, [URN]);
    assert.equal(destroy.opts.targetDependents, true);
    assert.equal(typeof destroy.opts.onOutput, "function");

    const up = w.stack.call("up");
    assert.ok(up);
    assert.deepEqual(Object.keys(up.opts), ["onOutput"]);
  });

  it("previews the same targeted destroy and prints what it would delete", async () => {
    const w = world({}, { answers: [STACK] });
    await run(opts(), w.deps);
    const preview = w.stack.call("previewDestroy");
    assert.ok(preview);
    assert.deepEqual(preview.opts.target, [URN]);
    assert.equal(preview.opts.targetDependents, true);
    assert.match(w.out(), /Previewing destroy \(dev\)/, "the preview output is streamed");
    assert.match(w.out(), /Will be destroyed \(4 resources\):/);
    assert.match(w.out(), /docker:index\/container:Container {2}eqmd_matrix_synapse/);
    assert.match(w.out(), /postgresql:index\/database:Database {2}matrix_db/);
  });

  it("streams destroy and up output to the operator", async () => {
    const w = world({}, { answers: [STACK] });
    await run(opts(), w.deps);
    assert.match(w.out(), /Destroying \(dev\): deleted 3/);
    assert.match(w.out(), /Updating \(dev\): created 3/);
  });

  it("shows the plan (destroyed and kept) before asking, and asks for the stack name", async () => {
    const w = world({}, { answers: [STACK] });
    await run(opts(), w.deps);
    const order = w.journal.entries;
    assert.ok(order.indexOf("stack:previewDestroy") < order.indexOf("prompt"));
    assert.ok(order.indexOf("prompt") < order.indexOf("stack:destroy"));
    assert.equal(w.prompts.length, 1);
    assert.match(w.prompts[0] ?? "", /Type the stack name \(dev\)/);
    const out = w.out();
    const kept = out.slice(out.indexOf("Will be kept"));
    assert.match(kept, /Django database/);
    assert.match(kept, /PostgreSQL server at 127\.0\.0\.1:5432/);
    assert.match(kept, /media volume "eqmd_matrix_media_store"/);
  });

  it("accepts the typed name with surrounding spaces", async () => {
    const w = world({}, { answers: [`  ${STACK}  `] });
    assert.equal(await run(opts(), w.deps), 0);
    assert.ok(w.stack.call("destroy"));
  });

  it("--yes skips the prompt, also without a terminal", async () => {
    const w = world({}, { isTTY: false });
    assert.equal(await run(opts({ yes: true }), w.deps), 0, w.all());
    assert.equal(w.prompts.length, 0);
    assert.deepEqual(w.stack.methods().slice(-2), ["destroy", "up"]);
  });

  it("mentions the managed dev PostgreSQL container among the kept things", async () => {
    const w = world({ config: config({ postgres: { mode: "managed" } }) }, { answers: [STACK] });
    await run(opts(), w.deps);
    assert.match(w.out(), /managed dev container "eqmd_matrix_postgres"/);
  });

  it("never prints secrets (outputs or config)", async () => {
    const w = world(
      { config: config({ postgresAdminPassword: PASSWORD }, ["postgresAdminPassword"]) },
      { answers: [STACK] },
    );
    await run(opts({ backupDir: scratch() }), w.deps);
    assert.doesNotMatch(w.all(), new RegExp(PASSWORD));
    assert.doesNotMatch(w.all(), /syt_admin_token_value|oidc-client-secret-value/);
  });
});

describe("reset: refusals and aborts", () => {
  it("refuses a stack whose config forbids resets, naming the key, before any preview", async () => {
    const w = world({ name: "prod", config: config({ reset: { allowed: false } }) }, { answers: ["prod"] });
    const code = await run(opts({ stack: "prod", yes: true }), w.deps);
    assert.equal(code, 2);
    assert.deepEqual(
      w.stack.methods().filter((m) => m !== "getAllConfig" && m !== "outputs"),
      [],
    );
    assert.match(w.err(), /Refusing to reset stack "prod"/);
    assert.match(w.err(), /pulumi config set --path reset\.allowed true --stack prod/);
    assert.match(w.err(), /production protection/);
    assert.match(w.err(), /Nothing was changed/);
    assert.equal(w.prompts.length, 0);
  });

  it('refuses when reset.allowed was set as the string "false"', async () => {
    const w = world({ config: config({ reset: { allowed: "false" } }) });
    assert.equal(await run(opts({ yes: true }), w.deps), 2);
    assert.equal(w.stack.call("destroy"), undefined);
  });

  it("refuses (fails closed) when the reset setting cannot be read", async () => {
    const w = world({ config: { "eqmd-matrix:reset": { value: "{not json" } } });
    assert.equal(await run(opts({ yes: true }), w.deps), 2);
    assert.match(w.err(), /cannot be read/);
    assert.equal(w.stack.call("previewDestroy"), undefined);
  });

  it("goes ahead when reset.allowed is explicitly true", async () => {
    const w = world({ config: config({ reset: { allowed: true } }) });
    assert.equal(await run(opts({ yes: true }), w.deps), 0);
    assert.ok(w.stack.call("destroy"));
  });

  it("refuses without a terminal and without --yes (exit 2), after showing the plan", async () => {
    const w = world({}, { isTTY: false, answers: [STACK] });
    const code = await run(opts(), w.deps);
    assert.equal(code, 2);
    assert.equal(w.prompts.length, 0);
    assert.equal(w.stack.call("destroy"), undefined);
    assert.equal(w.stack.call("up"), undefined);
    assert.match(w.err(), /without a terminal/);
    assert.match(w.err(), /--yes/);
  });

  it("aborts on a wrongly typed stack name (exit 1), destroying nothing", async () => {
    const w = world({}, { answers: ["prod"] });
    const code = await run(opts(), w.deps);
    assert.equal(code, 1);
    assert.deepEqual(w.stack.methods(), ["getAllConfig", "outputs", "previewDestroy"]);
    assert.match(w.err(), /Aborted: "prod" is not "dev"\. Nothing was changed\./);
  });

  it("aborts when nothing is typed (empty line or end of input)", async () => {
    for (const answer of ["", undefined]) {
      const w = world({}, { answers: [answer] });
      assert.equal(await run(opts(), w.deps), 1);
      assert.equal(w.stack.call("destroy"), undefined);
      assert.match(w.err(), /Aborted/);
    }
  });

  it("stops when the config cannot be read (exit 1, nothing run)", async () => {
    const w = world({ fail: { getAllConfig: "passphrase must be set" } });
    assert.equal(await run(opts({ yes: true }), w.deps), 1);
    assert.match(w.err(), /passphrase must be set/);
    assert.deepEqual(w.stack.methods(), ["getAllConfig"]);
  });

  it("stops when the destroy preview fails (exit 1, nothing destroyed)", async () => {
    const w = world({ fail: { previewDestroy: "no resource found" } });
    assert.equal(await run(opts({ yes: true }), w.deps), 1);
    assert.equal(w.stack.call("destroy"), undefined);
    assert.match(w.err(), /destroy plan failed: no resource found/);
  });
});

describe("reset: media", () => {
  it("keeps the media volume by default: no docker volume rm", async () => {
    const w = world();
    assert.equal(await run(opts({ yes: true }), w.deps), 0);
    assert.deepEqual(w.commands, []);
    assert.match(w.out(), /wipe +skipped \(media kept\)/);
  });

  it("--wipe-media removes the volume after the destroy and before the up", async () => {
    const w = world();
    assert.equal(await run(opts({ yes: true, wipeMedia: true }), w.deps), 0, w.all());
    assert.deepEqual(
      w.commands.map((c) => c.argv),
      [["docker", "volume", "rm", "eqmd_matrix_media_store"]],
    );
    const order = w.journal.entries;
    const rm = order.indexOf("cmd:docker volume rm eqmd_matrix_media_store");
    assert.ok(order.indexOf("stack:destroy") < rm && rm < order.indexOf("stack:up"), order.join(", "));
    assert.match(w.out(), /Will be deleted after the destroy \(--wipe-media\)/);
  });

  it("--wipe-media talks to the stack's Docker host through DOCKER_HOST", async () => {
    const w = world({
      config: config({ dockerHost: "ssh://ops@matrix-host" }),
      outputs: defaultOutputs({ mediaVolumeName: "h1_matrix_media_store" }),
    });
    await run(opts({ yes: true, wipeMedia: true }), w.deps);
    assert.deepEqual(w.commands[0]?.argv, ["docker", "volume", "rm", "h1_matrix_media_store"]);
    assert.deepEqual(w.commands[0]?.env, { DOCKER_HOST: "ssh://ops@matrix-host" });
  });

  it("a volume that is already gone counts as wiped", async () => {
    const w = world(
      {},
      {
        commandResults: { "docker volume": { exitCode: 1, stderr: "Error: No such volume: eqmd_matrix_media_store" } },
      },
    );
    assert.equal(await run(opts({ yes: true, wipeMedia: true }), w.deps), 0);
    assert.ok(w.stack.call("up"));
    assert.match(w.out(), /already gone/);
  });

  it("a failed wipe stops before up (so the old media is not attached again)", async () => {
    const w = world(
      {},
      { commandResults: { "docker volume": { exitCode: 1, stderr: "Error: volume is in use - [abc]" } } },
    );
    assert.equal(await run(opts({ yes: true, wipeMedia: true }), w.deps), 1);
    assert.equal(w.stack.call("up"), undefined);
    assert.match(w.err(), /volume is in use/);
    assert.match(w.err(), /pulumi up --stack dev/);
  });

  it("warns in the plan when media.retainOnDelete is false (the destroy deletes the media)", async () => {
    const w = world({ config: config({ media: { retainOnDelete: false } }) });
    await run(opts({ yes: true }), w.deps);
    assert.match(w.out(), /media volume "eqmd_matrix_media_store" too: this stack sets media\.retainOnDelete to false/);
    assert.doesNotMatch(w.out().slice(w.out().indexOf("Will be kept")), /media volume/);
  });
});

describe("reset: --backup", () => {
  const withPassword = { config: config({ postgresAdminPassword: PASSWORD }, ["postgresAdminPassword"]) };
  let bk: string;
  beforeEach(() => (bk = fs.mkdtempSync(path.join(os.tmpdir(), "reset-backup-"))));
  afterEach(() => fs.rmSync(bk, { recursive: true, force: true }));

  it("takes npm run backup's backup after the confirmation and before destroying", async () => {
    const w = world(withPassword, { answers: [STACK] });
    assert.equal(await run(opts({ backupDir: bk }), w.deps), 0, w.all());
    const [folder] = fs.readdirSync(bk);
    assert.match(folder ?? "", /^dev-20260812T03\d{4}Z$/);
    assert.equal((await checkBackup(path.join(bk, folder ?? ""))).ok, true, "a complete, verifiable backup");
    const dump = w.commands.find((c) => c.argv[0] === "pg_dump");
    const media = w.commands.find((c) => c.argv.includes("eqmd_matrix_synapse:/data/media_store"));
    assert.ok(dump && media);
    const order = w.journal.entries;
    assert.ok(order.indexOf("prompt") < order.indexOf(`cmd:${dump.argv.join(" ")}`), "backup after confirmation");
    assert.ok(order.indexOf(`cmd:${media.argv.join(" ")}`) < order.indexOf("stack:destroy"), "backup before destroy");
    assert.match(
      w.out(),
      new RegExp(`Backup written: ${bk}/${folder} \\(restore: npm run restore -- --stack dev --from `),
    );
  });

  it("passes the admin password to pg_dump in PGPASSWORD, never in argv", async () => {
    const w = world(withPassword);
    await run(opts({ yes: true, backupDir: bk }), w.deps);
    const dump = w.commands.find((c) => c.argv[0] === "pg_dump");
    assert.ok(dump);
    assert.equal(dump.env?.["PGPASSWORD"], PASSWORD);
    for (const c of w.commands) assert.ok(!c.argv.some((a) => a.includes(PASSWORD)), c.argv.join(" "));
    const media = w.commands.find((c) => c.argv[0] === "docker");
    assert.equal(media?.env?.["PGPASSWORD"], undefined, "the password goes only where it is needed");
  });

  it("sets no PGPASSWORD when the stack has no postgresAdminPassword", async () => {
    const w = world();
    await run(opts({ yes: true, backupDir: bk }), w.deps);
    assert.equal(w.commands.find((c) => c.argv[0] === "pg_dump")?.env?.["PGPASSWORD"], undefined);
  });

  it("stops before destroying when pg_dump fails, saying it was the database", async () => {
    const w = world(withPassword, {
      commandResults: {
        pg_dump: {
          exitCode: 1,
          stderr:
            'pg_dump: error: connection to server failed: FATAL:  password authentication failed for user "eqmd_user"',
        },
      },
    });
    const code = await run(opts({ yes: true, backupDir: bk }), w.deps);
    assert.equal(code, 1);
    assert.equal(w.stack.call("destroy"), undefined);
    assert.equal(w.stack.call("up"), undefined);
    assert.ok(!w.commands.some((c) => c.argv[1] === "cp"), "no media archive after a failed dump");
    assert.match(w.err(), /Backup failed \(database\)/);
    assert.match(w.err(), /password authentication failed/);
    assert.match(w.err(), /Stopped before destroying anything/);
    assert.deepEqual(fs.readdirSync(bk), [], "nothing that looks like a backup");
  });

  it("stops before destroying when the media archive fails, saying it was the media", async () => {
    const w = world(
      {},
      {
        commandResults: {
          "docker cp": { exitCode: 1, stderr: "Error: No such container:path: eqmd_matrix_synapse:/data/media_store" },
        },
      },
    );
    const code = await run(opts({ yes: true, backupDir: bk }), w.deps);
    assert.equal(code, 1);
    assert.equal(w.stack.call("destroy"), undefined);
    assert.match(w.err(), /Backup failed \(media\)/);
    assert.match(w.out(), /backup +\S+ +FAILED/);
  });

  it("stops when the backup directory cannot be created", async () => {
    const file = path.join(bk, "a-file");
    fs.writeFileSync(file, "");
    const w = world();
    assert.equal(await run(opts({ yes: true, backupDir: path.join(file, "x") }), w.deps), 1);
    assert.equal(w.stack.call("destroy"), undefined);
    assert.match(w.err(), /Backup failed \(folder\): cannot create .*ENOTDIR/);
  });

  it("archives media from a remote Docker host through DOCKER_HOST", async () => {
    const w = world({ config: config({ dockerHost: "tcp://10.0.0.5:2376" }), outputs: defaultOutputs() });
    await run(opts({ yes: true, backupDir: bk }), w.deps);
    assert.deepEqual(w.commands.find((c) => c.argv[0] === "docker")?.env, { DOCKER_HOST: "tcp://10.0.0.5:2376" });
  });
});

describe("reset: failures after the point of no return", () => {
  it("a failed destroy stops before up (exit 1) and says how to resume", async () => {
    const w = world({ fail: { destroy: "docker: container is protected" } });
    assert.equal(await run(opts({ yes: true, wipeMedia: true }), w.deps), 1);
    assert.equal(w.stack.call("up"), undefined);
    assert.deepEqual(w.commands, [], "no wipe after a failed destroy");
    assert.match(w.err(), /The destroy failed: docker: container is protected/);
    assert.match(w.err(), /npm run reset -- --stack dev/);
    assert.match(w.out(), /destroy +\S+ +FAILED/);
  });

  it("a failed up is reported (exit 1)", async () => {
    const w = world({ fail: { up: "synapse did not become healthy" } });
    assert.equal(await run(opts({ yes: true }), w.deps), 1);
    assert.match(w.err(), /pulumi up failed: synapse did not become healthy/);
    assert.match(w.err(), /pulumi up --stack dev/);
    assert.match(w.out(), /up +\S+ +FAILED/);
  });
});

describe("reset: a stack without a MatrixStack", () => {
  const empty = { outputs: {} };

  it("says so and only runs up, after confirmation", async () => {
    const w = world(empty, { answers: [STACK] });
    assert.equal(await run(opts({ wipeMedia: true, backupDir: scratch() }), w.deps), 0, w.all());
    assert.deepEqual(w.stack.methods(), ["getAllConfig", "outputs", "up"]);
    assert.equal(w.prompts.length, 1);
    assert.deepEqual(w.commands, []);
    assert.match(w.out(), /no eqmd:matrix:MatrixStack yet/);
    assert.match(w.out(), /only run `pulumi up`/);
  });

  it("still refuses without a terminal and without --yes", async () => {
    const w = world(empty, { isTTY: false });
    assert.equal(await run(opts(), w.deps), 2);
    assert.equal(w.stack.call("up"), undefined);
  });

  it("still aborts on a wrong name", async () => {
    const w = world(empty, { answers: ["nope"] });
    assert.equal(await run(opts(), w.deps), 1);
    assert.equal(w.stack.call("up"), undefined);
  });

  it("finds the URN in the state when the outputs lack it (e.g. a failed first up)", async () => {
    const w = world({
      outputs: {},
      deployment: {
        resources: [
          { urn: "urn:pulumi:dev::eqmd-matrix::pulumi:pulumi:Stack::eqmd-matrix-dev", type: "pulumi:pulumi:Stack" },
          { urn: URN, type: "eqmd:matrix:MatrixStack" },
        ],
      },
    });
    assert.equal(await run(opts({ yes: true }), w.deps), 0);
    assert.deepEqual(w.stack.call("destroy")?.opts.target, [URN]);
    assert.match(w.out(), /found in the state/);
  });
});

describe("reset: summary", () => {
  it("lists the time of every phase and the total", async () => {
    const w = world({}, { answers: [STACK] });
    await run(opts({ backupDir: scratch(), wipeMedia: true }), w.deps);
    const summary = w.out().slice(w.out().indexOf("Summary (stack dev):"));
    for (const phase of ["plan", "confirm", "backup", "destroy", "wipe", "up", "total"]) {
      assert.match(summary, new RegExp(`^  ${phase} +\\d+(\\.\\d)?(ms|s)\\b`, "m"), `${phase} in\n${summary}`);
    }
    assert.match(summary, /Result: done: the Matrix side is rebuilt/);
  });

  it("marks skipped and not-run phases", async () => {
    const w = world({}, { answers: ["wrong"] });
    await run(opts(), w.deps);
    const summary = w.out().slice(w.out().indexOf("Summary (stack dev):"));
    assert.match(summary, /confirm +\S+ +FAILED/);
    assert.match(summary, /destroy +not run/);
    assert.match(summary, /up +not run/);
    assert.match(summary, /Result: aborted at the confirmation; nothing was changed/);
  });

  it("notes --yes and skipped backup/wipe", async () => {
    const w = world();
    await run(opts({ yes: true }), w.deps);
    assert.match(w.out(), /confirm +\S+ +\(--yes\)/);
    assert.match(w.out(), /backup +skipped \(no --backup\)/);
    assert.match(w.out(), /wipe +skipped \(media kept\)/);
  });
});

describe("reset: eqmd's .env is checked before anything is destroyed", () => {
  it("refuses (exit 2) on a .env whose MATRIX_FQDN is another server, before the preview", async () => {
    const dir = scratch();
    const envPath = path.join(dir, ".env");
    fs.writeFileSync(envPath, "MATRIX_FQDN=matrix.other.example\n");
    const w = world({ config: config({ envFile: { path: envPath } }) }, { answers: [STACK] });
    const deps = { ...w.deps, envCheck: (s: Parameters<typeof checkEnvFile>[0]) => checkEnvFile(s, dir) };
    assert.equal(await run(opts(), deps), 2, w.all());
    assert.deepEqual(w.stack.methods(), ["getAllConfig", "outputs"], "no preview, destroy or up");
    assert.equal(w.prompts.length, 0);
    assert.match(w.err(), /Refusing to reset stack "dev": eqmd's \.env disagrees with the stack/);
    assert.match(w.err(), /MATRIX_FQDN.*matrix\.other\.example/);
    assert.match(w.err(), /Nothing was changed\./);
  });

  it("goes on when the .env agrees (or does not exist yet)", async () => {
    const dir = scratch();
    const envPath = path.join(dir, ".env");
    const w = world({ config: config({ envFile: { path: envPath } }) }, { answers: [STACK] });
    const deps = { ...w.deps, envCheck: (s: Parameters<typeof checkEnvFile>[0]) => checkEnvFile(s, dir) };
    assert.equal(await run(opts(), deps), 0, w.all());
    fs.writeFileSync(envPath, "MATRIX_FQDN=matrix.localhost\n");
    const again = world({ config: config({ envFile: { path: envPath } }) }, { answers: [STACK] });
    const deps2 = { ...again.deps, envCheck: (s: Parameters<typeof checkEnvFile>[0]) => checkEnvFile(s, dir) };
    assert.equal(await run(opts(), deps2), 0, again.all());
  });
});
