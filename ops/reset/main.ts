/**
 * `npm run reset -- --stack <name> [--wipe-media] [--yes] [--backup <dir>]`
 *
 * Entry point only: parses the arguments, selects the stack through the `pulumi` CLI on PATH
 * (cli.ts), wires the real terminal/processes/clock and runs the reset.
 * The logic lives beside it (see run.ts).
 */
import * as path from "node:path";
import { parseArgs, USAGE } from "./args";
import { pulumiRunner, selectCliStack } from "./cli";
import { runEntry } from "./node";
import type { ProgramHost } from "./programHost";
import { realDeps } from "./realDeps";
import { run } from "./run";
import { EXIT, ExitCode, ResetStack } from "./types";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

async function main(argv: readonly string[]): Promise<ExitCode> {
  const parsed = parseArgs(argv);
  if (parsed.kind === "help") {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`reset: ${parsed.message}\n\n${USAGE}`);
    return EXIT.refused;
  }
  const options = parsed.options;
  // npm runs scripts from the package root; a relative --backup is meant from where the operator typed it.
  const backupDir =
    options.backupDir === undefined
      ? undefined
      : path.resolve(process.env["INIT_CWD"] ?? process.cwd(), options.backupDir);

  let stack: ResetStack;
  try {
    stack = await selectCliStack(options.stack, pulumiRunner(REPO_ROOT), programHost);
  } catch (err) {
    const e = err as Error;
    if (e.name === "StackNotFoundError") {
      process.stderr.write(
        `reset: there is no stack "${options.stack}" (see \`pulumi stack ls\`). Nothing was changed.\n`,
      );
      return EXIT.refused;
    }
    process.stderr.write(
      `reset: cannot select stack "${options.stack}" (is the pulumi CLI installed and logged in?): ${e.message}\n`,
    );
    return EXIT.failed;
  }

  return run({ ...options, ...(backupDir !== undefined ? { backupDir } : {}) }, realDeps(stack, REPO_ROOT));
}

let host: ProgramHost | undefined;

/**
 * The program, loaded on first call (not at import: `--help` and a refusal need none of it)
 * and served to the reset's `up` from this process (programHost.ts).
 */
function programHost(): ProgramHost {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when needed, see above
  return (host ??= (require("./programHost") as typeof import("./programHost")).hostProgram(REPO_ROOT));
}

runEntry("reset", main);
