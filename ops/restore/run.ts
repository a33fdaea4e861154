/**
 * The restore, in order: read config (the reset's refusals) → check the backup (checksums,
 * server name, schema) → confirm → build the stack when this engine has none (a new host) →
 * stage the database and media beside the current ones while Synapse serves → stop Synapse →
 * swap them in → start Synapse once → `pulumi up` reruns admin, verification, hooks, `.env` →
 * drop what the restore replaced → phase table. Every side effect goes through `deps`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkBackup, Manifest, PART_FILES } from "../backup/manifest";
import { formatBytes } from "../backup/progress";
import { describeFailure, signingKeyId } from "../backup/run";
import { signingKeyCommand } from "../backup/commands";
import { firstTarFile } from "../backup/tarEntry";
import { askToGoOn } from "../reset/confirm";
import { isRefused, readFacts, ResetFacts } from "../reset/facts";
import { factsOrRefusal } from "../reset/refusal";
import { formatSummary, PhaseTimer } from "../reset/timing";
import { CommandSpec, EXIT, ExitCode, ResetDeps } from "../reset/types";
import { parseTarget, refusals, TargetSynapse } from "./checks";
import {
  createStagedDatabaseCommands,
  dropDatabaseCommand,
  imageSchemaCommand,
  mediaJobCommand,
  MediaScript,
  pgRestoreCommand,
  previousExistsCommand,
  removeMediaJobCommand,
  restoreNames,
  swapDatabaseCommand,
  synapseCommand,
  synapseHealthCommand,
  terminateSessionsCommand,
  truncateOneTimeKeysCommand,
} from "./steps";
import { rebuildTargets } from "./targets";

export const RESTORE_PHASES = [
  "check",
  "confirm",
  "build",
  "stage",
  "stop",
  "swap",
  "start",
  "rebuild",
  "cleanup",
] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

export interface RestoreOptions {
  readonly stack: string;
  /** The backup folder (npm run backup's `<stack>-<UTC time>/`). */
  readonly from: string;
  readonly yes: boolean;
}

export interface RestoreDeps extends ResetDeps {
  /** True once the operator pressed ^C: the restore stops at the next safe point and puts things back. */
  interrupted(): boolean;
  sleep(ms: number): Promise<void>;
}

/** A step's failure in words (the tail of the command's stderr). */
class StepError extends Error {}

/** Runs one restore and returns the process exit code. Never throws. */
export async function restore(options: RestoreOptions, deps: RestoreDeps): Promise<ExitCode> {
  const say = (line = ""): void => deps.write(`${line}\n`);
  const shout = (line: string): void => (deps.writeError ?? deps.write).call(deps, `${line}\n`);
  const stream = (text: string): void => deps.write(text);
  const stack = options.stack;
  const rerun = `npm run restore -- --stack ${stack} --from ${options.from}`;
  const run = async (spec: CommandSpec, what: string): Promise<string> => {
    const r = await deps.runCommand(spec);
    if (r.exitCode !== 0) throw new StepError(`${what}: ${describeFailure(spec.argv.slice(0, 2).join(" "), r)}`);
    return r.stdout;
  };

  const facts = await factsOrRefusal(deps, "restore", rerun, shout);
  if (typeof facts === "number") return facts;
  let f: ResetFacts = facts;

  const timer = new PhaseTimer<RestorePhase>(() => deps.now());
  const finish = (code: ExitCode, result: string): ExitCode => {
    say();
    deps.write(formatSummary(timer, stack, result, RESTORE_PHASES));
    return code;
  };
  const refuse = (lines: readonly string[], result: string): ExitCode => {
    for (const line of lines) shout(line);
    return finish(EXIT.refused, result);
  };

  // 1. The backup itself, then whether this stack can run it.
  say(`Restore of stack "${stack}" from ${options.from}`);
  const checked = await timer.time(
    "check",
    () => checkBackup(options.from),
    (c) => ({ failed: !c.ok }),
  );
  if (!checked.ok) {
    return refuse(
      [
        `Refusing to restore: the backup does not pass its checks:`,
        ...checked.problems.map((p) => `  - ${p}`),
        "Nothing was changed.",
      ],
      "refused (the backup fails its checks); nothing was changed",
    );
  }
  const manifest = checked.manifest;
  let target = await targetSynapse(deps, f);
  if (target === undefined && f.urn !== undefined) {
    shout(`Cannot read the Synapse version of the stack's image ${f.synapseImage} (docker run … python3).`);
    shout("Nothing was changed.");
    return finish(EXIT.failed, "failed in check; nothing was changed");
  }
  const refused = target ? refusals(manifest, { serverName: f.serverName, image: f.synapseImage }, target) : [];
  if (refused.length > 0) {
    return refuse(
      ["Refusing to restore:", ...refused.map((r) => `  - ${r}`), "Nothing was changed."],
      "refused; nothing was changed",
    );
  }

  for (const line of describePlan(manifest, f, options.from)) say(line);
  say();
  const outcome = await askToGoOn(timer, "confirm", deps, options, "restore");
  if (!outcome.proceed) {
    for (const line of outcome.lines) shout(line);
    return finish(outcome.code, outcome.result);
  }
  say(outcome.line);

  // 2. A new host: build the stack first (Synapse on an empty database), then restore into it.
  if (f.urn === undefined) {
    say();
    say("Running pulumi up to build the stack on this engine …");
    try {
      await timer.time("build", () => deps.stack.up({ onOutput: stream }));
      const again = await readFacts(deps.stack, deps.envCheck);
      if (isRefused(again) || again.urn === undefined) throw new Error("the stack still has no MatrixStack after up");
      f = again;
    } catch (err) {
      shout(`pulumi up failed: ${message(err)}`);
      shout(`Nothing of the backup was restored. Fix the cause and run: ${rerun}`);
      return finish(EXIT.failed, "failed in build; nothing was restored");
    }
    target ??= await targetSynapse(deps, f);
    const late = target
      ? refusals(manifest, { serverName: f.serverName, image: f.synapseImage }, target)
      : ["the stack's Synapse version cannot be read"];
    if (late.length > 0) {
      return refuse(
        [
          "Refusing to restore:",
          ...late.map((r) => `  - ${r}`),
          "The stack is built, empty; nothing of the backup was restored.",
        ],
        "refused after the build; nothing was restored",
      );
    }
  } else {
    timer.skip("build", "the stack is up");
  }

  const names = restoreNames(f);
  const file = (part: keyof typeof PART_FILES): string => path.join(options.from, manifest.files[part].name);
  const media = (script: MediaScript, archive?: string): Promise<string> =>
    run(mediaJobCommand(f, script, archive), `media (${script})`);
  const discardStaged = async (): Promise<void> => {
    await deps.runCommand(removeMediaJobCommand(f));
    await deps.runCommand(dropDatabaseCommand(f, "staged"));
    await deps.runCommand(mediaJobCommand(f, "cleanup"));
  };
  const stopped = (why: string): ExitCode => finish(EXIT.failed, why);

  // 3. Stage: the backup beside the current data, while Synapse keeps serving.
  say();
  say(`Staging the backup beside the current data (database "${names.staged}", media .restore-staging) …`);
  try {
    await timer.time("stage", async () => {
      await run(removeMediaJobCommand(f), "docker rm");
      for (const spec of createStagedDatabaseCommands(f)) await run(spec, "database");
      const started = deps.now().getTime();
      await run(pgRestoreCommand(f, file("database")), "pg_restore");
      say(
        `  database: ${formatBytes(manifest.files.database.bytes)} dump restored in ${seconds(deps.now().getTime() - started)}`,
      );
      await run(truncateOneTimeKeysCommand(f), "database");
      checkInterrupt(deps);
      const mediaStart = deps.now().getTime();
      await media("stage", file("media"));
      say(
        `  media: ${formatBytes(manifest.files.media.bytes)} unpacked in ${seconds(deps.now().getTime() - mediaStart)}`,
      );
      checkInterrupt(deps);
    });
  } catch (err) {
    // A ^C reaches the children too: their failure is the interruption, not a fault.
    const interrupted = err instanceof Interrupted || deps.interrupted();
    await discardStaged();
    shout(`${interrupted ? "Interrupted (^C)" : "Staging failed"}: ${message(err)}`);
    shout(
      `Nothing was changed: Synapse kept serving the current data; the staged copy is removed. Run again: ${rerun}`,
    );
    return stopped(interrupted ? "interrupted in stage; nothing was changed" : "failed in stage; nothing was changed");
  }

  // 4. Stop Synapse, swap the staged data in.
  say();
  say(`Stopping ${f.synapseContainer} …`);
  try {
    await timer.time("stop", () => run(synapseCommand(f, "stop"), "docker stop"));
    checkInterrupt(deps);
  } catch (err) {
    await discardStaged();
    await deps.runCommand(synapseCommand(f, "start"));
    shout(`${err instanceof Interrupted ? "Interrupted" : "Stopping Synapse failed"}: ${message(err)}`);
    shout(`Nothing was changed: Synapse is started again on the current data. Run again: ${rerun}`);
    return stopped("failed in stop; nothing was changed");
  }
  say("Swapping the restored database and media in …");
  let mediaSwapped = false;
  try {
    await timer.time("swap", async () => {
      if ((await run(previousExistsCommand(f), "database")).trim() === "t") {
        say(`  an earlier restore left "${names.previous}"; it is dropped first`);
        await run(dropDatabaseCommand(f, "previous"), "database");
      }
      await swapWithRetries(deps, f, run);
      await media("swapIn");
      mediaSwapped = true;
    });
  } catch (err) {
    if (!mediaSwapped) await deps.runCommand(swapDatabaseCommand(f, "back"));
    await discardStaged();
    await deps.runCommand(synapseCommand(f, "start"));
    shout(`The swap failed: ${message(err)}`);
    shout(
      `Nothing was changed: the current database and media are back and Synapse is started on them. Run again: ${rerun}`,
    );
    return stopped("failed in swap; nothing was changed");
  }

  // 5. Start Synapse once, on the restored data.
  say(`Starting ${f.synapseContainer} on the restored data …`);
  try {
    await timer.time("start", async () => {
      await run(synapseCommand(f, "start"), "docker start");
      await waitHealthy(deps, f, run);
    });
  } catch (err) {
    shout(`Synapse did not become healthy on the restored data: ${message(err)}`);
    await deps.runCommand(synapseCommand(f, "stop"));
    const back = await deps.runCommand(swapDatabaseCommand(f, "back"));
    const mediaBack = await deps.runCommand(mediaJobCommand(f, "swapBack"));
    await deps.runCommand(synapseCommand(f, "start"));
    if (back.exitCode === 0 && mediaBack.exitCode === 0) {
      shout(
        "The previous database and media are back and Synapse is started on them. `docker logs` tells why it failed.",
      );
      await discardStaged();
    } else {
      shout(
        `Putting the previous data back failed too: it is kept as database "${names.previous}" and media .prerestore.`,
      );
    }
    return stopped("failed in start; the previous data is back");
  }
  for (const line of await signingKeyLines(deps, f, manifest, options.from)) say(line);

  // 6. What a rebuild runs after Synapse: admin token, verification, hooks, .env.
  say();
  say("Running pulumi up: the admin token, the verification, the after-reset hooks and the .env again …");
  let replace: string[] = [];
  try {
    await timer.time("rebuild", async () => {
      replace = rebuildTargets((await deps.stack.exportStack?.())?.deployment);
      await deps.stack.up({ onOutput: stream, replace });
    });
  } catch (err) {
    shout(`pulumi up failed: ${message(err)}`);
    shout(
      `Synapse serves the restored data. Finish with: pulumi up --stack ${stack} ${replace.map((u) => `--replace '${u}'`).join(" ")}`,
    );
    shout(`The replaced data is kept as database "${names.previous}" and the media volume's .prerestore until then.`);
    return stopped("failed in rebuild; Synapse serves the restored data");
  }

  // 7. Drop what the restore replaced.
  try {
    await timer.time("cleanup", async () => {
      await run(dropDatabaseCommand(f, "previous"), "database");
      await media("cleanup");
    });
  } catch (err) {
    shout(`Cleanup failed (the restore itself is done): ${message(err)}`);
    shout(`Drop "${names.previous}" and the media volume's .prerestore folder yourself, or run the restore again.`);
  }
  return finish(EXIT.ok, "done: the stack serves the backup's data");
}

class Interrupted extends Error {}

function checkInterrupt(deps: RestoreDeps): void {
  if (deps.interrupted()) throw new Interrupted("^C: stopped at the next safe point");
}

/** The backup, the stack and what the restore will do. */
function describePlan(manifest: Manifest, f: ResetFacts, from: string): string[] {
  const { previous } = restoreNames(f);
  return [
    `Backup: ${manifest.createdAt} of stack "${manifest.stack}", server ${manifest.serverName}, Synapse ${manifest.synapse.version}` +
      ` (schema ${manifest.synapse.schemaVersion}); database ${formatBytes(manifest.files.database.bytes)},` +
      ` media ${formatBytes(manifest.files.media.bytes)}; checksums verified (${from})`,
    ...(f.urn === undefined
      ? [
          "This stack has no Matrix side on this engine yet (a new host): `pulumi up` builds it first, then the restore.",
        ]
      : []),
    `Will be replaced: the Synapse database "${f.database.name}" and the media volume "${f.mediaVolume}" of stack "${f.stack}",` +
      ` with the backup's (every account, room, message and upload as of the backup).`,
    `  They are staged beside the current data while Synapse serves, then Synapse is stopped, they are swapped in` +
      ` and Synapse is started once; the current data is kept as "${previous}" and .prerestore until Synapse runs on the restored data.`,
    "Then: `pulumi up` reruns the admin token, the verification, the after-reset hooks and the .env, as a rebuild does.",
    "Never touched: the Django database, the PostgreSQL server, the stack's secrets and signing key.",
  ];
}

async function targetSynapse(deps: RestoreDeps, f: ResetFacts): Promise<TargetSynapse | undefined> {
  const r = await deps.runCommand(imageSchemaCommand(f));
  return r.exitCode === 0 ? parseTarget(r.stdout) : undefined;
}

/** The two renames; a session that has not ended yet makes PostgreSQL refuse, so retry (bounded). */
async function swapWithRetries(
  deps: RestoreDeps,
  f: ResetFacts,
  run: (spec: CommandSpec, what: string) => Promise<string>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await run(terminateSessionsCommand(f), "database");
    const r = await deps.runCommand(swapDatabaseCommand(f, "in"));
    if (r.exitCode === 0) return;
    if (attempt >= 10 || !/being accessed by other users/.test(r.stderr))
      throw new StepError(`database: ${describeFailure("psql", r)}`);
    await deps.sleep(1_000);
  }
}

/** Polls Docker's health status until healthy; bounded by synapse.startTimeoutSeconds. */
async function waitHealthy(
  deps: RestoreDeps,
  f: ResetFacts,
  run: (spec: CommandSpec, what: string) => Promise<string>,
): Promise<void> {
  const deadline = deps.now().getTime() + f.startTimeoutSeconds * 1000;
  let status = "";
  while (deps.now().getTime() < deadline) {
    status = (await run(synapseHealthCommand(f), "docker inspect").catch(() => "")).trim();
    if (status === "healthy" || status === "running") return;
    if (status === "unhealthy" || status === "exited") break;
    await deps.sleep(1_000);
  }
  throw new StepError(`its health is "${status || "unknown"}" after up to ${f.startTimeoutSeconds}s`);
}

/**
 * The stack keeps its own signing key: it is declared in Pulumi state and every `up` writes it
 * (render/signingKey.ts). eqmd does not federate, so no other server holds the backup's key to
 * check old events against; the backup's key stays in the folder, its id in the manifest.
 */
async function signingKeyLines(deps: RestoreDeps, f: ResetFacts, manifest: Manifest, from: string): Promise<string[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-restore-key-"));
  let current = "unknown";
  try {
    const tar = path.join(tmp, "key.tar");
    if ((await deps.runCommand(signingKeyCommand(f, tar))).exitCode === 0) {
      current = signingKeyId(firstTarFile(fs.readFileSync(tar)).toString("utf8"));
    }
  } catch {
    // Only for the message: an unreadable key does not fail a restore that is done.
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const same = current === manifest.signingKey.keyId;
  return [
    same
      ? `Signing key: ${current}, the same as the backup's.`
      : `Signing key: the stack keeps its own (${current}); the backup's (${manifest.signingKey.keyId}) stays in ${path.join(from, PART_FILES.signingKey)}.` +
        " eqmd does not federate, so no other server checks old events against the old key.",
  ];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
