/**
 * tsx ops/hook-run.ts --what <label> [--mask-env NAME,…] -- <program> [args…]
 *
 * Runs one after-reset hook that is marked `failOnWarnings` (no shell; its stdin and stderr pass
 * through: a builtin step's code arrives on stdin). eqmd's commands exit 0 even when invites, DM rooms or deactivations failed;
 * this turns their warning lines into a failure:
 *  - the command failed: its exit status, and its stdout is withheld (it may carry secrets);
 *  - it printed warning lines (components/commands/hookWarnings.ts): exit 3, the lines on
 *    stderr with every value of the --mask-env variables and every token-shaped text masked,
 *    and its stdout withheld;
 *  - otherwise: its stdout, exit 0.
 * Bad usage: exit 2.
 */
import { spawnSync } from "node:child_process";
import { findWarnings } from "../components/commands/hookWarnings";

const WARNINGS_EXIT = 3;

const USAGE = "usage: tsx ops/hook-run.ts --what <label> [--mask-env NAME,…] -- <program> [args…]\n";

interface Args {
  readonly what: string;
  readonly maskEnv: readonly string[];
  readonly argv: readonly string[];
}

function parseArgs(args: readonly string[]): Args | undefined {
  const separator = args.indexOf("--");
  if (separator === -1 || separator === args.length - 1) return undefined;
  const own = args.slice(0, separator);
  let what: string | undefined;
  let maskEnv: string[] = [];
  for (let i = 0; i < own.length; i += 2) {
    const value = own[i + 1];
    if (value === undefined) return undefined;
    if (own[i] === "--what") what = value;
    else if (own[i] === "--mask-env") maskEnv = value.split(",").filter(Boolean);
    else return undefined;
  }
  return what ? { what, maskEnv, argv: args.slice(separator + 1) } : undefined;
}

function main(args: readonly string[]): number {
  const parsed = parseArgs(args);
  if (!parsed) {
    process.stderr.write(USAGE);
    return 2;
  }
  const [program, ...rest] = parsed.argv;
  const run = spawnSync(program, rest, { stdio: ["inherit", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 });
  if (run.error) {
    process.stderr.write(`eqmd-matrix: could not run ${parsed.what}: ${run.error.message}\n`);
    return 1;
  }
  if (run.status !== 0) {
    process.stderr.write(
      `eqmd-matrix: ${parsed.what} failed (exit ${run.status ?? "by signal"}); its standard output is withheld because it may carry secrets (its errors are above)\n`,
    );
    return run.status ?? 1;
  }
  const stdout = run.stdout.toString("utf8");
  const secrets = parsed.maskEnv.map((name) => process.env[name] ?? "").filter(Boolean);
  const warnings = findWarnings(stdout, secrets);
  if (warnings.length > 0) {
    process.stderr.write(
      [
        `eqmd-matrix: ${parsed.what} exited 0 but printed ${warnings.length} warning(s), and the hook is marked failOnWarnings:`,
        ...warnings.map((w) => `  ${w}`),
        "Fix the cause (README: After a reset: eqmd's hooks), then run `pulumi up` again; the hook runs again.",
        "",
      ].join("\n"),
    );
    return WARNINGS_EXIT;
  }
  process.stdout.write(stdout);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
