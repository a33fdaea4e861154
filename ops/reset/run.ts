/**
 * The reset, in order: read config → refuse if forbidden → plan (what the destroy deletes,
 * from the state or a destroy preview; what is kept) → confirm → optional backup → targeted destroy → optional media wipe → up → summary.
 * Every side effect goes through `deps`, so this runs against fakes in tests.
 */
import { askToGoOn } from "./confirm";
import { wipeMediaVolume, WipeResult } from "./docker";
import { ResetFacts } from "./facts";
import { factsOrRefusal } from "./refusal";
import { BackupResult, runBackup } from "./backup";
import { describeDestroyed, describeKept, destroyOptions, PlanResult, previewDestroy } from "./plan";
import { planFromState } from "./statePlan";
import { formatSummary, PhaseTimer } from "./timing";
import { EXIT, ExitCode, ResetDeps, ResetOptions } from "./types";

/** Runs one reset and returns the process exit code. Never throws. */
export async function run(options: ResetOptions, deps: ResetDeps): Promise<ExitCode> {
  const say = (line = ""): void => deps.write(`${line}\n`);
  const shout = (line: string): void => (deps.writeError ?? deps.write).call(deps, `${line}\n`);
  const stream = (text: string): void => deps.write(text);
  const stack = options.stack;
  const rerun = `npm run reset -- --stack ${stack}`;

  // 1. Config: is a reset allowed here?
  const facts = await factsOrRefusal(deps, "reset", rerun, shout);
  if (typeof facts === "number") return facts;

  const timer = new PhaseTimer(() => deps.now());
  const finish = (code: ExitCode, result: string): ExitCode => {
    say();
    deps.write(formatSummary(timer, stack, result));
    return code;
  };
  const urn = facts.urn;

  // 2. Plan.
  say(`Reset of stack "${stack}"`);
  if (urn === undefined) {
    timer.skip("plan", "no MatrixStack to destroy");
    say("This stack has no eqmd:matrix:MatrixStack yet (no matrixStackUrn output, none in the state):");
    say("there is nothing to destroy. The reset will only run `pulumi up` to build it.");
    if (options.wipeMedia || options.backupDir !== undefined) {
      say("--wipe-media and --backup have nothing to act on without a MatrixStack; they are ignored.");
    }
  } else {
    say(`MatrixStack: ${urn}${facts.urnSource === "state" ? " (found in the state; the stack outputs lack it)" : ""}`);
    let plan: PlanResult;
    try {
      plan = await timer.time("plan", () => destroyPlan(deps, urn, say, stream));
      say();
      for (const line of describeDestroyed(plan, facts)) say(line);
    } catch (err) {
      shout(`The destroy plan failed: ${message(err)}`);
      shout("Nothing was destroyed.");
      return finish(EXIT.failed, "failed in plan; nothing was destroyed");
    }
    for (const line of describeKept(facts, options, plan)) say(line);
    if (options.backupDir !== undefined)
      say(`Before destroying: back up the Synapse database and the media into ${options.backupDir}.`);
  }
  say("Then: `pulumi up` rebuilds the Matrix side with the stack's current config.");
  say();

  // 3. Confirm.
  const outcome = await askToGoOn(timer, "confirm", deps, options, "reset");
  if (!outcome.proceed) {
    for (const line of outcome.lines) shout(line);
    return finish(outcome.code, outcome.result);
  }
  say(outcome.line);

  if (urn !== undefined) {
    // 4. Backup.
    if (options.backupDir === undefined) {
      timer.skip("backup", "no --backup");
    } else {
      const dir = options.backupDir;
      say();
      say(`Backing up into ${dir}`);
      const backup = await timer.time(
        "backup",
        () => runBackupSafely(deps, facts, dir, say),
        (b) => ({ failed: !b.ok }),
      );
      if (!backup.ok) {
        shout(`Backup failed (${backup.failed}): ${backup.message}`);
        shout(
          `Stopped before destroying anything: stack "${stack}" is unchanged. Fix the cause, or run without --backup.`,
        );
        return finish(EXIT.failed, `failed in backup (${backup.failed}); nothing was destroyed`);
      }
      say(`Backup written: ${backup.dir} (restore: npm run restore -- --stack ${stack} --from ${backup.dir})`);
    }

    // 5. Destroy.
    say();
    say(`Destroying ${urn} and its dependents …`);
    const destroyed = await safely(() => timer.time("destroy", () => deps.stack.destroy(destroyOptions(urn, stream))));
    if (!destroyed.ok) {
      shout(`The destroy failed: ${message(destroyed.error)}`);
      shout(
        "Part of the Matrix side may already be gone. Fix the cause and run the reset again (it resumes from the" +
          ` current state): ${rerun}`,
      );
      return finish(EXIT.failed, "failed in destroy");
    }

    // 6. Wipe the media volume.
    if (!options.wipeMedia) {
      timer.skip("wipe", facts.mediaRetainedOnDelete ? "media kept" : "no --wipe-media; media.retainOnDelete is false");
    } else {
      say();
      say(`Deleting the media volume "${facts.mediaVolume}" (--wipe-media) …`);
      const wiped = await timer.time(
        "wipe",
        () => wipeSafely(deps, facts),
        (w) => ({ failed: !w.ok }),
      );
      if (!wiped.ok) {
        shout(`Deleting the media volume failed: ${wiped.message}`);
        shout("The Matrix side is destroyed; `up` was not run so that it does not attach the old media again.");
        shout(
          `Delete the volume yourself (docker volume rm ${facts.mediaVolume}), then run: pulumi up --stack ${stack}`,
        );
        return finish(EXIT.failed, "failed in wipe; the Matrix side is destroyed and not rebuilt");
      }
      say(wiped.removed ? "Media volume deleted." : "The media volume was already gone.");
    }
  } else {
    timer.skip("backup", "nothing to destroy");
    timer.skip("destroy", "nothing to destroy");
    timer.skip("wipe", "nothing to destroy");
  }

  // 7. Up.
  say();
  say("Running pulumi up …");
  const up = await safely(() => timer.time("up", () => deps.stack.up({ onOutput: stream })));
  if (!up.ok) {
    shout(`pulumi up failed: ${message(up.error)}`);
    shout(
      `The Matrix side is ${urn === undefined ? "not built" : "destroyed and not fully rebuilt"}.` +
        ` Fix the cause and run: pulumi up --stack ${stack}`,
    );
    return finish(EXIT.failed, "failed in up");
  }
  return finish(EXIT.ok, urn === undefined ? "done: the Matrix side is built" : "done: the Matrix side is rebuilt");
}

/**
 * What the destroy will delete: read from the state when that is enough (statePlan.ts: the
 * same set, without an engine run), else the engine's own destroy preview, streamed.
 */
async function destroyPlan(
  deps: ResetDeps,
  urn: string,
  say: (line?: string) => void,
  stream: (text: string) => void,
): Promise<PlanResult> {
  const fromState = deps.stack.exportStack
    ? planFromState((await deps.stack.exportStack()).deployment, urn)
    : undefined;
  if (fromState !== undefined) {
    say("Destroy plan, from the state (what `pulumi destroy --target <that urn> --target-dependents` deletes):");
    return fromState;
  }
  say(`Destroy preview (pulumi destroy --target <that urn> --target-dependents):`);
  say();
  return previewDestroy(deps.stack, urn, stream);
}

type Attempt<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Runs a step that may throw; the phase timer has already recorded a throw as "failed". */
async function safely<T>(body: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await body() };
  } catch (error) {
    return { ok: false, error };
  }
}

async function runBackupSafely(
  deps: ResetDeps,
  facts: ResetFacts,
  dir: string,
  say: (line: string) => void,
): Promise<BackupResult> {
  try {
    return await runBackup(deps, facts, dir, say);
  } catch (err) {
    return { ok: false, failed: "manifest", message: message(err) };
  }
}

async function wipeSafely(deps: ResetDeps, facts: ResetFacts): Promise<WipeResult> {
  try {
    return await wipeMediaVolume(deps, facts);
  } catch (err) {
    return { ok: false, message: message(err) };
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
