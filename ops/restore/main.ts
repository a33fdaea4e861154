/**
 * `npm run restore -- --stack <name> --from <backup folder> [--yes]`
 *
 * Entry point only: parses the arguments, selects the stack through the Automation API, wires
 * the real terminal/processes/clock and ^C, and runs the restore (run.ts).
 */
import * as path from "node:path";
import { parseCommandLine } from "../backup/cli";
import { REPO_ROOT } from "../backup/program";
import { selectStack } from "../reset/automation";
import { runEntry } from "../reset/node";
import { realDeps } from "../reset/realDeps";
import { EXIT, ExitCode, ResetStack } from "../reset/types";
import { restore } from "./run";

const USAGE = `Usage: npm run restore -- --stack <name> --from <backup folder> [--yes]

Restores a backup of npm run backup (or of npm run reset -- --backup) into one stack:
checks the backup's checksums, its server name and its schema against the stack's Synapse,
asks for the stack name (unless --yes), builds the stack first if this engine has none,
stages the database and media beside the current ones, stops Synapse, swaps them in,
starts Synapse once, then reruns the admin token, verification, hooks and .env (pulumi up).
Refused where resets are (reset.allowed: false).

Exit codes: 0 done, 1 aborted or failed, 2 bad arguments or restore refused.
`;

async function main(argv: readonly string[]): Promise<ExitCode> {
  const parsed = parseCommandLine(argv, { values: ["from"], flags: ["yes"], required: ["from"] });
  if (parsed.kind === "help") {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`restore: ${parsed.message}\n\n${USAGE}`);
    return EXIT.refused;
  }
  const from = path.resolve(process.env["INIT_CWD"] ?? process.cwd(), parsed.values["from"] ?? "");

  let stack: ResetStack;
  try {
    stack = await selectStack(parsed.stack, REPO_ROOT);
  } catch (err) {
    const e = err as Error;
    process.stderr.write(
      e.name === "StackNotFoundError"
        ? `restore: there is no stack "${parsed.stack}" (see \`pulumi stack ls\`; on a new host: pulumi stack init ${parsed.stack}). Nothing was changed.\n`
        : `restore: cannot select stack "${parsed.stack}" (is the pulumi CLI installed and logged in?): ${e.message}\n`,
    );
    return e.name === "StackNotFoundError" ? EXIT.refused : EXIT.failed;
  }

  // ^C: the restore finishes or undoes its current step, then stops with the old data in place.
  let interrupted = false;
  process.on("SIGINT", () => {
    if (!interrupted)
      process.stderr.write("\n^C: stopping at the next safe point and putting the current data back …\n");
    interrupted = true;
  });

  return restore(
    { stack: parsed.stack, from, yes: parsed.flags.has("yes") },
    {
      ...realDeps(stack, REPO_ROOT),
      interrupted: () => interrupted,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
  );
}

runEntry("restore", main);
