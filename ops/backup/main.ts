/**
 * `npm run backup -- --stack <name> [--to <dir>]`
 *
 * Entry point only: parses the arguments, selects the stack through the Automation API, reads
 * what it needs (config, outputs) and takes one backup while Matrix keeps serving (run.ts).
 */
import * as path from "node:path";
import { selectStack } from "../reset/automation";
import { isRefused, readFacts } from "../reset/facts";
import { runCommand, runEntry } from "../reset/node";
import { formatDuration } from "../reset/timing";
import { EXIT, ExitCode } from "../reset/types";
import { parseCommandLine } from "./cli";
import { PARTS } from "./manifest";
import { formatBytes } from "./progress";
import { programVersion, REPO_ROOT } from "./program";
import { takeBackup } from "./run";

const USAGE = `Usage: npm run backup -- --stack <name> [--to <dir>]

Backs up the Matrix side of one stack while it keeps serving: the Synapse database
(pg_dump -Fc), then the media store, the signing key and a manifest (versions, sizes,
sha256 of every file, timings), into <dir>/<stack>-<UTC time>/ (default <dir>: ./backups).
The folder is written as <…>.partial and renamed when complete. Restore it with
npm run restore -- --stack <name> --from <that folder>.

Exit codes: 0 done, 1 failed (nothing that looks like a backup is left), 2 bad arguments.
`;

async function main(argv: readonly string[]): Promise<ExitCode> {
  const parsed = parseCommandLine(argv, { values: ["to"], flags: [], required: [] });
  if (parsed.kind === "help") {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`backup: ${parsed.message}\n\n${USAGE}`);
    return EXIT.refused;
  }
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const shout = (line: string): void => void process.stderr.write(`${line}\n`);
  // npm runs scripts from the package root; a relative --to is meant from where the operator typed it.
  const to = path.resolve(process.env["INIT_CWD"] ?? process.cwd(), parsed.values["to"] ?? "backups");

  let facts;
  try {
    facts = await readFacts(await selectStack(parsed.stack, REPO_ROOT), undefined, "read");
  } catch (err) {
    shout(`backup: cannot read stack "${parsed.stack}" (config, outputs): ${(err as Error).message}`);
    return EXIT.failed;
  }
  if (isRefused(facts)) {
    shout(`backup: the config of stack "${parsed.stack}" cannot be read:\n${facts.permission.detail}`);
    return EXIT.refused;
  }
  if (facts.urn === undefined) {
    shout(`backup: stack "${parsed.stack}" has no Matrix side yet (no matrixStackUrn output): nothing to back up.`);
    return EXIT.failed;
  }

  say(`Backup of stack "${parsed.stack}" into ${to}`);
  const started = Date.now();
  const result = await takeBackup(
    { runCommand, now: () => new Date() },
    facts,
    { to, program: programVersion(), progressIntervalMs: 5_000 },
    say,
  );
  if (!result.ok) {
    shout(`Backup failed (${result.failed}): ${result.message}`);
    shout("Nothing that looks like a backup was left behind; Matrix kept serving. Fix the cause and run it again.");
    return EXIT.failed;
  }
  say("");
  say(`Backup written: ${result.dir}`);
  for (const part of PARTS) {
    const f = result.manifest.files[part];
    say(
      `  ${f.name.padEnd(14)} ${formatBytes(f.bytes).padStart(12)}  ${formatDuration(result.manifest.timingsMs[part])}`,
    );
  }
  say(`  ${"total".padEnd(14)} ${"".padStart(12)}  ${formatDuration(Date.now() - started)}`);
  return EXIT.ok;
}

runEntry("backup", main);
