/**
 * ResetStack on the `pulumi` CLI itself: one CLI run per step the reset needs and no other.
 *
 * Why not the Automation API's Stack here: measured on the real engine (testbed/bench/
 * reset-vs-hand.ts), it added seven CLI runs to every reset (`pulumi version`, `stack select`,
 * `stack output` twice before the plan, `stack history` after the destroy, `stack output` twice
 * and `stack history` again after the up) and about a second of module loading, some 4 s of a
 * 15–30 s reset. Here the stack's facts and the plan come from one `pulumi stack export` (read
 * once, kept in memory, never written), and destroy and up are the commands the docs show,
 * their output streamed as it comes.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isRecord } from "../../config/isRecord";
import {
  ResetConfigValue,
  ResetDestroyOptions,
  ResetEngineEvent,
  ResetOutputValue,
  ResetStack,
  ResetUpOptions,
} from "./types";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `pulumi <args>` in `cwd`; `onOutput` gets stdout as it comes. Never rejects on an exit code. */
export type PulumiRunner = (
  args: readonly string[],
  onOutput?: (text: string) => void,
  env?: Readonly<Record<string, string>>,
) => Promise<CliRun>;

/** The runner for the `pulumi` on PATH (as `pulumi up` would be typed), in the project folder. */
export function pulumiRunner(workDir: string, command = "pulumi"): PulumiRunner {
  return (args, onOutput, env) =>
    new Promise((resolve) => {
      const child = spawn(command, [...args, "--non-interactive"], {
        cwd: workDir,
        // PULUMI_AUTOMATION_API: the CLI's plain, non-interactive rendering, as the Automation API asks for.
        env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_AUTOMATION_API: "true", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        onOutput?.(chunk);
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.once("error", (err) => resolve({ code: 127, stdout, stderr: `${command}: ${err.message}` }));
      child.once("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
}

/**
 * Where `up` gets its program: served from this process (programHost.ts), or by default the
 * CLI's language host. The factory is called when the destroy starts, to load it early, and
 * once per `up`.
 */
export interface ProgramClient {
  address(): Promise<string>;
  close(): void;
}

/** Selects `stackName` (fails with a StackNotFoundError when there is none) and returns its ResetStack. */
export async function selectCliStack(
  stackName: string,
  run: PulumiRunner,
  program?: () => ProgramClient,
): Promise<ResetStack> {
  const stack = cliStack(stackName, run, program);
  // Reading the config is the first step of every command anyway; it also proves the stack exists.
  const config = stack.getAllConfig();
  // The state is read next (the outputs, then the plan): export it beside the config instead
  // of after it, one CLI start less in series. Its own error, if any, surfaces where it is read.
  stack.exportStack?.().catch(() => undefined);
  await config;
  return stack;
}

export function cliStack(stackName: string, run: PulumiRunner, program?: () => ProgramClient): ResetStack {
  const onStack = ["--stack", stackName];
  let config: Promise<Record<string, ResetConfigValue>> | undefined;
  let exported: Promise<{ deployment?: unknown }> | undefined;
  const must = async (
    args: readonly string[],
    onOutput?: (text: string) => void,
    env?: Readonly<Record<string, string>>,
  ): Promise<CliRun> => {
    const r = await run([...args, ...onStack], onOutput, env);
    if (r.code !== 0) throw cliError(r);
    return r;
  };
  // The state as it is now: read once, forgotten when a destroy or up changes it.
  const state = (): Promise<{ deployment?: unknown }> =>
    (exported ??= must(["stack", "export", "--show-secrets"]).then((r) => {
      const parsed = JSON.parse(r.stdout) as unknown;
      return { deployment: isRecord(parsed) ? parsed["deployment"] : undefined };
    }));
  const changing = async <T>(body: () => Promise<T>): Promise<T> => {
    exported = undefined;
    try {
      return await body();
    } finally {
      exported = undefined;
    }
  };
  return {
    name: stackName,
    getAllConfig: () =>
      (config ??= must(["config", "--show-secrets", "--json"]).then(
        (r) => JSON.parse(r.stdout) as Record<string, ResetConfigValue>,
      )),
    outputs: async () => stackOutputs((await state()).deployment),
    exportStack: state,
    previewDestroy: (opts) => previewWithEvents(opts, must),
    destroy: (opts) =>
      changing(async () => {
        const destroying = must(["destroy", "--yes", "--skip-preview", ...destroyArgs(opts)], opts.onOutput);
        // The `up` after it needs the program: load it (about a second of this process's CPU)
        // while the destroy's CLI starts, rather than after Synapse has stopped.
        program?.();
        return await destroying;
      }),
    up: (opts: ResetUpOptions) =>
      changing(async () => {
        const host = program?.();
        const address = host === undefined ? undefined : await host.address();
        try {
          return await must(
            [
              "up",
              "--yes",
              "--skip-preview",
              ...(opts.replace ?? []).flatMap((u) => ["--replace", u]),
              ...(address === undefined ? [] : [`--client=${address}`]),
            ],
            opts.onOutput,
          );
        } finally {
          host?.close();
        }
      }),
  };
}

function destroyArgs(opts: ResetDestroyOptions): string[] {
  return [...opts.target.flatMap((u) => ["--target", u]), ...(opts.targetDependents ? ["--target-dependents"] : [])];
}

/** `pulumi destroy --preview-only`, its engine events read back from `--event-log`. */
async function previewWithEvents(
  opts: ResetDestroyOptions,
  must: (
    args: readonly string[],
    onOutput?: (text: string) => void,
    env?: Readonly<Record<string, string>>,
  ) => Promise<CliRun>,
): Promise<{ stdout: string; changeSummary?: Record<string, number> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-reset-preview-"));
  const log = path.join(dir, "events.jsonl");
  try {
    // --event-log exists only with PULUMI_DEBUG_COMMANDS (the Automation API sets it too).
    const r = await must(["destroy", "--preview-only", ...destroyArgs(opts), "--event-log", log], opts.onOutput, {
      PULUMI_DEBUG_COMMANDS: "true",
    });
    for (const line of fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n") : []) {
      if (line.trim() === "") continue;
      const event = JSON.parse(line) as ResetEngineEvent;
      if (event.resourcePreEvent) opts.onEvent?.(event);
    }
    return { stdout: r.stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The root stack resource's outputs, as `pulumi stack output --json --show-secrets` gives them:
 * a secret is `{ <secret sig>: …, plaintext: "<JSON>" }` in an export with --show-secrets.
 */
export function stackOutputs(deployment: unknown): Record<string, ResetOutputValue> {
  if (!isRecord(deployment) || !Array.isArray(deployment["resources"])) return {};
  const root = (deployment["resources"] as unknown[]).find((r) => isRecord(r) && r["type"] === "pulumi:pulumi:Stack");
  const outputs = isRecord(root) && isRecord(root["outputs"]) ? root["outputs"] : {};
  const result: Record<string, ResetOutputValue> = {};
  for (const [key, value] of Object.entries(outputs)) result[key] = outputValue(value);
  return result;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function outputValue(value: unknown): ResetOutputValue {
  if (isRecord(value) && SECRET_SIG in value) {
    const plaintext = value["plaintext"];
    return { value: typeof plaintext === "string" ? (JSON.parse(plaintext) as unknown) : undefined, secret: true };
  }
  return { value: revealNested(value), secret: false };
}

/** A secret inside an object output: its plaintext in place (the output as a whole stays non-secret). */
function revealNested(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealNested);
  if (!isRecord(value)) return value;
  if (SECRET_SIG in value) return outputValue(value).value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealNested(v)]));
}

/** A failed CLI run as a short error: pulumi's stderr (its output was already streamed). */
export function cliError(r: CliRun): Error {
  const text = r.stderr.trim();
  const err = new Error(text || `pulumi exited with code ${r.code}`);
  if (/no stack named '.*' found/.test(text)) err.name = "StackNotFoundError";
  return err;
}
