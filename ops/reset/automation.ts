/**
 * The thin adapter from `@pulumi/pulumi/automation`'s Stack to ResetStack. The Stack already
 * has the right shape; the adapter only turns the Automation API's CommandError (whose message
 * repeats the whole, already streamed, CLI output) into a short error carrying stderr.
 */
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { ResetStack } from "./types";

export function fromAutomationStack(stack: Stack): ResetStack {
  return {
    name: stack.name,
    getAllConfig: () => short(stack.getAllConfig()),
    outputs: () => short(stack.outputs()),
    previewDestroy: (opts) => short(stack.previewDestroy(opts)),
    destroy: (opts) => short(stack.destroy(opts)),
    up: (opts) => short(stack.up(opts)),
    exportStack: () => short(stack.exportStack()),
  };
}

/** Selects the existing stack `stackName` of the program in `workDir` (runs `pulumi stack select`). */
export async function selectStack(stackName: string, workDir: string): Promise<ResetStack> {
  return fromAutomationStack(await short(LocalWorkspace.selectStack({ stackName, workDir })));
}

/** Awaits an Automation API call, turning its CommandError into a short one (shortError). */
export async function short<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw shortError(err);
  }
}

/**
 * CommandError → Error("<pulumi's stderr>"), keeping its name (StackNotFoundError, …). On a
 * failed command the Automation API stores execa's error (message = command line + stderr +
 * stdout) in `commandResult.err`; its `stderr` is the part worth showing.
 */
export function shortError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const result = field(err, "commandResult");
  if (result === undefined) return err;
  const stderr = field(field(result, "err"), "stderr") ?? field(result, "stderr");
  const code = field(field(result, "err"), "exitCode") ?? field(result, "code");
  const text = typeof stderr === "string" ? stderr.trim() : "";
  const short = new Error(text || `pulumi exited with code ${String(code)}`);
  short.name = err.name;
  return short;
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
