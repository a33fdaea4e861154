/**
 * Building the command lines that run a program through an exec target (`docker exec -i
 * <container>`, `docker compose exec -T <service>`, or nothing: this host). Secrets never
 * appear here: a command that needs one names an environment variable (`-e NAME`, whose value
 * docker takes from its own environment) or reads it from stdin.
 */
import { createHash } from "node:crypto";
import type { ExecTarget } from "../../config/settings";

/** Characters that never need quoting in a POSIX shell word. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Names `-e NAME` may carry: a plain environment variable name, so no value can hide in it. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes one argument for a POSIX shell (single quotes; `'` becomes `'\''`). */
export function shellQuote(arg: string): string {
  if (arg !== "" && SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Joins an argv into one shell command line that reproduces it exactly. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

/**
 * The argv that runs `argv` through `target`. With an exec prefix, each name in `envNames`
 * becomes `-e NAME` (no value: docker copies it from its own environment, so the value never
 * appears in a process list) before the container name.
 */
export function execArgv(target: ExecTarget, argv: readonly string[], envNames: readonly string[] = []): string[] {
  if (argv.length === 0) throw new Error("execArgv: nothing to run (empty argv)");
  for (const name of envNames) {
    if (!ENV_NAME.test(name)) {
      throw new Error(
        `execArgv: "${name}" is not an environment variable name (expected [A-Za-z_][A-Za-z0-9_]*, no "=value")`,
      );
    }
  }
  if (target.command.length === 0) return [...argv];
  if (!target.container) {
    throw new Error(`execArgv: the exec target ${JSON.stringify(target.command)} names no container or service`);
  }
  return [...target.command, ...envNames.flatMap((n) => ["-e", n]), target.container, ...argv];
}

/** `execArgv` as one shell command line (for `local.Command` `create`). */
export function execLine(target: ExecTarget, argv: readonly string[], envNames: readonly string[] = []): string {
  return shellJoin(execArgv(target, argv, envNames));
}

/** First 12 hex digits of a script's SHA-256: the command line changes when the code does. */
export function scriptDigest(source: string): string {
  return createHash("sha256").update(source).digest("hex").slice(0, 12);
}

/**
 * The `create` line of a command whose /bin/sh script arrives on stdin: short and stable, so a
 * diff shows `label` (what runs, with which arguments) and not the script. The script is read
 * whole before it runs, so the programs it starts see an empty stdin.
 */
export function stdinScriptLine(label: string): string {
  // One line: the label must not end the comment early and start a second command.
  return `eval "$(cat)" # ${label.replace(/[\r\n]+/g, " ")}`;
}

/**
 * A /bin/sh snippet running `commandLine` and printing its stdout only when it succeeded.
 * pulumi-command puts a failed command's whole stdout into the error (and so into the log,
 * whatever `logging` says); commands whose output carries secrets are wrapped in this. With
 * `required`, a run whose stdout has no matching line fails too, so the engine records nothing.
 */
export function withheldOnFailure(commandLine: string, what: string, required?: RequiredLine): string {
  const failed = shellQuote(
    `eqmd-matrix: ${what} failed; its standard output is withheld because it may carry secrets (its errors are above)`,
  );
  const check = required
    ? [
        `if ! printf '%s\\n' "$out" | grep -q ${shellQuote(required.pattern)}; then`,
        `  echo ${shellQuote(`eqmd-matrix: ${what} exited 0 but ${required.missing}; its standard output is withheld because it may carry secrets`)} >&2`,
        "  exit 1",
        "fi",
      ]
    : [];
  return [
    "status=0",
    `out=$(${commandLine}) || status=$?`,
    'if [ "$status" -ne 0 ]; then',
    `  echo ${failed} >&2`,
    '  exit "$status"',
    "fi",
    ...check,
    `printf '%s\\n' "$out"`,
  ].join("\n");
}

/** A line a command's stdout must hold for its run to count as done (see withheldOnFailure). */
export interface RequiredLine {
  /** A basic regular expression for grep (no secret in it: it only names the key). */
  readonly pattern: string;
  /** What is wrong, in words, when no line matches ("printed no KEY=<value> line"). */
  readonly missing: string;
}

/**
 * `commandLine`, and when it fails, one more line on stderr: the state Docker reports for
 * `container` (running or not, its exit code, whether the kernel killed it for memory, how
 * often it restarted). The engine does not wait for Synapse's health probe, so the first step
 * that needs a serving Synapse is where a Synapse that never starts shows; without this line it
 * shows only as its `docker exec` dying (exit 137) or a deadline.
 */
export function withContainerStateOnFailure(commandLine: string, container: string): string {
  const state =
    `eqmd-matrix: the container ${container} is {{.State.Status}} (exit code {{.State.ExitCode}}, ` +
    `killed for memory: {{.State.OOMKilled}}, restarts: {{.RestartCount}}); its output: docker logs ${container}`;
  // In a subshell, so an `exit` inside the command line cannot skip the report.
  return `(${commandLine}) || { status=$?; docker inspect -f ${shellQuote(state)} ${shellQuote(container)} >&2; exit "$status"; }`;
}
