/**
 * Runs a declared `command:local:Command` the way @pulumi/command runs its `create`: `/bin/sh -c
 * <create>`, the declared stdin, the environment of the caller plus the declared `environment`,
 * in the declared `dir`. On an update the provider also sets PULUMI_COMMAND_STDOUT/STDERR to
 * the previous run's output; pass them in `env` to play an update.
 */
import type { DeclaredCommand } from "./program";
import { RunResult, runCommand } from "./run";

export interface RunDeclaredOptions {
  /** Working directory when the command declares none (the Pulumi host's project dir in real runs). */
  cwd?: string;
  /** What the surrounding process environment adds (PATH of a venv, the exec target's env, ...). */
  env?: Record<string, string>;
  /** Resolve on a non-zero exit instead of rejecting. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

export function runDeclared(command: DeclaredCommand, options: RunDeclaredOptions = {}): Promise<RunResult> {
  return runCommand(["/bin/sh", "-c", command.create], {
    cwd: command.dir ?? options.cwd,
    env: { ...options.env, ...command.environment },
    ...(command.stdin !== undefined ? { input: command.stdin } : {}),
    allowFailure: options.allowFailure,
    timeoutMs: options.timeoutMs ?? 120_000,
  }).catch((error: unknown) => {
    // runCommand quotes the argv, i.e. the whole script: name the resource instead.
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`declared command ${command.name} failed: ${message.split("\n").slice(1).join("\n")}`);
  });
}
