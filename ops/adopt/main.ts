/**
 * `npm run adopt -- --stack <name> [--yes]`
 *
 * Entry point only: parses the arguments, selects the stack through the Automation API (which
 * needs the `pulumi` CLI on PATH), wires the real terminal and processes and runs the adopt.
 * The logic lives beside it (see run.ts).
 */
import * as path from "node:path";
import { prompt, runCommand, runEntry } from "../reset/node";
import { parseArgs, USAGE } from "./args";
import { selectStack } from "./automation";
import { run } from "./run";
import { AdoptStack, EXIT, ExitCode } from "./types";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

async function main(argv: readonly string[]): Promise<ExitCode> {
  const parsed = parseArgs(argv);
  if (parsed.kind === "help") {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`adopt: ${parsed.message}\n\n${USAGE}`);
    return EXIT.refused;
  }
  const options = parsed.options;
  let stack: AdoptStack;
  try {
    stack = await selectStack(options.stack, REPO_ROOT);
  } catch (err) {
    const e = err as Error;
    if (e.name === "StackNotFoundError") {
      process.stderr.write(
        `adopt: there is no stack "${options.stack}" (create it first: pulumi stack init ${options.stack}, then its config). Nothing was changed.\n`,
      );
      return EXIT.refused;
    }
    process.stderr.write(
      `adopt: cannot select stack "${options.stack}" (is the pulumi CLI installed and logged in?): ${e.message}\n`,
    );
    return EXIT.failed;
  }
  return run(options, {
    stack,
    isTTY: process.stdin.isTTY === true,
    prompt,
    runCommand,
    write: (text) => process.stdout.write(text),
    writeError: (text) => process.stderr.write(text),
  });
}

runEntry("adopt", main);
