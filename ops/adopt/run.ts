/**
 * The adopt, in order: read config → inspect the host (psql, docker) → refuse what cannot be
 * taken over without loss → save the state → providers into the state → import → preview →
 * judge the preview → confirm → `pulumi up`. Until `up` starts, every way out puts the saved
 * state back, so a refused or declined adopt leaves the stack as it found it. Every side effect
 * goes through `deps`, so this runs against fakes in tests.
 */
import type { Deployment } from "@pulumi/pulumi/automation";
import { confirm } from "../reset/confirm";
import { checkObjects, describeRefusal, nothingToAdopt } from "./checks";
import { providerUrn } from "./declared";
import { importPlan, ImportPlan, stateUrns } from "./importPlan";
import { inspectHost } from "./inspect";
import { describeOps, judgePreview } from "./preview";
import { targetFrom } from "./target";
import { AdoptDeps, AdoptEngineEvent, AdoptOptions, EXIT, ExitCode } from "./types";

/** Runs one adopt and returns the process exit code. Never throws. */
export async function run(options: AdoptOptions, deps: AdoptDeps): Promise<ExitCode> {
  const say = (line = ""): void => deps.write(`${line}\n`);
  const shout = (line: string): void => (deps.writeError ?? deps.write).call(deps, `${line}\n`);
  const stream = (text: string): void => deps.write(text);
  const stack = options.stack;
  const rerun = `npm run adopt -- --stack ${stack}`;

  // 1. What the stack declares.
  let config;
  try {
    config = await deps.stack.getAllConfig();
  } catch (err) {
    shout(`Cannot read the config of stack "${stack}": ${message(err)}`);
    shout("Nothing was changed. Check `pulumi login`, PULUMI_CONFIG_PASSPHRASE and the stack name.");
    return EXIT.failed;
  }
  const targeted = targetFrom(stack, config);
  if (!targeted.ok) {
    shout(`Refusing to adopt into stack "${stack}": ${targeted.reason}`);
    shout("Nothing was changed.");
    return EXIT.refused;
  }
  const target = targeted.target;

  // 2. What the host has.
  say(`Adopt into stack "${stack}": looking for a hand-built Matrix on this host`);
  const inspected = await inspectHost(deps, target).catch((err: unknown) => ({
    ok: false as const,
    what: "the host",
    message: message(err),
  }));
  if (!inspected.ok) {
    shout(`Cannot read ${inspected.what}: ${inspected.message}`);
    shout("Nothing was changed. The adopt must see every object before it takes any over.");
    return EXIT.failed;
  }
  const found = inspected.objects;
  if (nothingToAdopt(found)) {
    say(
      `Nothing to adopt: no role "${target.database.role}", no database "${target.database.name}", no volume` +
        ` "${target.mediaVolume}" and no container "${target.synapseContainer}" or "${target.elementContainer}".`,
    );
    say(`This host has no hand-built Matrix; build it with: pulumi up --stack ${stack}`);
    return EXIT.ok;
  }

  // 3. Refuse what cannot be taken over as it is.
  const checked = checkObjects(target, found);
  if (checked.refusals.length > 0) {
    shout(`Refusing to adopt: ${checked.refusals.length} object(s) do not match what stack "${stack}" declares.`);
    for (const r of checked.refusals) for (const line of describeRefusal(r)) shout(line);
    shout("Nothing was changed.");
    return EXIT.refused;
  }

  // 4. The import request, against the state as it is now.
  let saved: Deployment;
  try {
    saved = await deps.stack.exportStack();
  } catch (err) {
    shout(`Cannot read the state of stack "${stack}": ${message(err)}`);
    shout("Nothing was changed.");
    return EXIT.failed;
  }
  const inState = stateUrns(saved.deployment);
  const plan = importPlan(stack, found, inState);
  say();
  say("Found:");
  for (const s of [...plan.steps, ...plan.alreadyManaged]) {
    say(`  - ${s.label}${plan.alreadyManaged.includes(s) ? "  (already in the state: left as it is)" : ""}`);
  }
  for (const note of checked.notes) say(`  ${note}`);
  if (plan.steps.length === 0) {
    say();
    say(`Nothing to import: the state of "${stack}" already holds every object found. Run: pulumi up --stack ${stack}`);
    return EXIT.ok;
  }

  // 5–7. Providers, import, preview; any failure puts the saved state back.
  const staged = await stage(deps, plan, inState, say, stream);
  if (!staged.ok) {
    shout(`${staged.step} failed: ${staged.message}`);
    return restore(deps, saved, say, shout, EXIT.failed, `Fix the cause and run: ${rerun}`);
  }
  const verdict = judgePreview(plan.steps, staged.events);
  say();
  say("What the first `up` does to the adopted objects:");
  for (const p of verdict.planned) say(`  - ${p.step.label}: ${describeOps(p)}`);
  const counts = Object.entries(staged.changeSummary).map(([op, n]) => `${op} ${n}`);
  if (counts.length) say(`  Whole stack: ${counts.join(", ")}.`);
  if (verdict.problems.length > 0) {
    shout("Refusing to adopt: the preview would lose data.");
    for (const p of verdict.problems) shout(`  - ${p}`);
    return restore(deps, saved, say, shout, EXIT.refused, "Compare the stack's config with the objects above.");
  }

  // 8. Confirm.
  say();
  const answer = await confirm(deps, options);
  if (answer.kind === "no-tty") {
    shout("Refusing to adopt without a terminal to confirm on: re-run with --yes to confirm on the command line.");
    return restore(deps, saved, say, shout, EXIT.refused);
  }
  if (answer.kind === "mismatch" || answer.kind === "no-answer") {
    shout(answer.kind === "mismatch" ? `Aborted: "${answer.typed}" is not "${stack}".` : "Aborted: nothing was typed.");
    return restore(deps, saved, say, shout, EXIT.failed);
  }
  say(answer.kind === "yes-flag" ? "Confirmed by --yes." : "Confirmed.");

  // 9. Up.
  say();
  say("Running pulumi up …");
  try {
    await deps.stack.up({ onOutput: stream });
  } catch (err) {
    shout(`pulumi up failed: ${message(err)}`);
    shout(
      "The adopted objects are in the state and keep their data; a hand-made container the engine had not" +
        ` reached yet is still running. Fix the cause and run: pulumi up --stack ${stack}`,
    );
    return EXIT.failed;
  }
  say();
  say(`Done: stack "${stack}" owns the Matrix side; the database and the media were kept.`);
  return EXIT.ok;
}

type Staged =
  | { readonly ok: true; readonly events: AdoptEngineEvent[]; readonly changeSummary: Record<string, number> }
  | { readonly ok: false; readonly step: string; readonly message: string };

async function stage(
  deps: AdoptDeps,
  plan: ImportPlan,
  inState: ReadonlySet<string>,
  say: (line?: string) => void,
  stream: (text: string) => void,
): Promise<Staged> {
  const missing = plan.providers.map((p) => providerUrn(deps.stack.name, p)).filter((urn) => !inState.has(urn));
  try {
    if (missing.length > 0) {
      // An import names its provider by URN, and the engine can only use one that is in the
      // state: a targeted `up` of the providers alone records them (from the stack's config).
      say();
      say(`Recording the stack's providers in the state (up --target ${missing.join(" --target ")}):`);
      await deps.stack.recordProviders({ target: missing, onOutput: stream });
    }
  } catch (err) {
    return { ok: false, step: "Recording the providers", message: message(err) };
  }
  try {
    say();
    say(`Importing ${plan.steps.length} object(s) (pulumi import, not protected, no code generated):`);
    await deps.stack.import({
      resources: plan.resources,
      nameTable: plan.nameTable,
      protect: false,
      generateCode: false,
      onOutput: stream,
    });
  } catch (err) {
    return { ok: false, step: "The import", message: message(err) };
  }
  const events: AdoptEngineEvent[] = [];
  try {
    say();
    say("Preview of the first `up` with the imported objects:");
    const result = await deps.stack.preview({ onOutput: stream, onEvent: (e) => events.push(e) });
    return { ok: true, events, changeSummary: result.changeSummary ?? {} };
  } catch (err) {
    return { ok: false, step: "The preview", message: message(err) };
  }
}

/** Puts the state saved before the adopt back; the host itself was never changed. */
async function restore(
  deps: AdoptDeps,
  saved: Deployment,
  say: (line?: string) => void,
  shout: (line: string) => void,
  code: ExitCode,
  hint?: string,
): Promise<ExitCode> {
  try {
    await deps.stack.importStack(saved);
  } catch (err) {
    shout(`Putting the saved state back failed: ${message(err)}`);
    shout(
      "The host is unchanged, but the state may hold imported objects: remove them with" +
        " `pulumi state delete <urn>` before any `up`, or run the adopt again.",
    );
    return EXIT.failed;
  }
  say("The state was put back as it was before the adopt; nothing on the host was changed.");
  if (hint) say(hint);
  return code;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
