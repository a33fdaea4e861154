/** Command-line arguments of `npm run adopt`. */
import { AdoptOptions } from "./types";

export const USAGE = `Usage: npm run adopt -- --stack <name> [--yes]

Takes over a Matrix side that eqmd's hand procedure built on this host: imports the Synapse
role and database (bootstrap_matrix_db.py's matrix_user and matrix_db), the media volume and
the hand-made Synapse and Element containers into the stack's state, shows the preview of the
first \`pulumi up\` (the two containers are replaced, the database and the media are kept),
and runs it once confirmed. It refuses, and changes nothing, when an object does not match
what the stack declares (database owner, encoding, locale, server name, a superuser role).

Options:
  --stack <name>   the stack (environment) to adopt into, e.g. prod; required
  --yes, -y        do not ask to type the stack name (needed without a terminal)
  --help, -h       show this text

Exit codes: 0 done (or nothing to adopt), 1 aborted or failed, 2 bad arguments or refused.
`;

export type ParsedArgs =
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "run"; readonly options: AdoptOptions };

const STACK_NAME = /^[A-Za-z0-9_.\-/]+$/;

/** Parses the arguments after `npm run adopt --`. Never throws. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let stack: string | undefined;
  let yes = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (arg === "--yes" || arg === "-y") {
      if (yes) return { kind: "error", message: "--yes is given twice" };
      yes = true;
      continue;
    }
    if (arg === "--stack" || arg.startsWith("--stack=")) {
      if (stack !== undefined) return { kind: "error", message: "--stack is given twice" };
      let value: string | undefined = arg.startsWith("--stack=") ? arg.slice("--stack=".length) : argv[i + 1];
      if (!arg.startsWith("--stack=")) {
        if (value === undefined || value.startsWith("-"))
          return { kind: "error", message: "--stack needs a value: --stack <name>" };
        i++;
      }
      value ??= "";
      if (!STACK_NAME.test(value)) return { kind: "error", message: `--stack "${value}" is not a stack name` };
      stack = value;
      continue;
    }
    return {
      kind: "error",
      message: arg.startsWith("-")
        ? `unknown option ${arg}`
        : `unexpected argument "${arg}" (the stack goes after --stack)`,
    };
  }
  if (stack === undefined)
    return { kind: "error", message: "--stack <name> is required (which environment to adopt into?)" };
  return { kind: "run", options: { stack, yes } };
}
