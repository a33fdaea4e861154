/** Command-line arguments of `npm run reset`. */
import { ResetOptions } from "./types";

export const USAGE = `Usage: npm run reset -- --stack <name> [--wipe-media] [--yes] [--backup <dir>]

Rebuilds the Matrix side (Synapse + Element) of one stack: a destroy of the
eqmd:matrix:MatrixStack component and everything that depends on it, then \`pulumi up\`.
The Django database and the PostgreSQL server are never touched.

Options:
  --stack <name>   the stack (environment) to reset, e.g. dev; required
  --wipe-media     also delete the Synapse media volume (uploaded files and avatars);
                   by default it is kept and attached again
  --backup <dir>   before destroying, dump the Synapse database (pg_dump -Fc) and archive
                   the media store into <dir>; the reset stops if either fails
  --yes, -y        do not ask to type the stack name (needed without a terminal)
  --help, -h       show this text

Exit codes: 0 done, 1 aborted or failed, 2 bad arguments or reset refused.
`;

export type ParsedArgs =
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "run"; readonly options: ResetOptions };

const STACK_NAME = /^[A-Za-z0-9_.\-/]+$/;

/** Parses the arguments after `npm run reset --`. Never throws. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let stack: string | undefined;
  let backupDir: string | undefined;
  let wipeMedia = false;
  let yes = false;
  const seen = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") return { kind: "help" };

    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const canonical = flag === "-y" ? "--yes" : flag;

    if (seen.has(canonical)) return { kind: "error", message: `${canonical} is given twice` };

    switch (canonical) {
      case "--stack":
      case "--backup": {
        let value = inline;
        if (value === undefined) {
          const next = argv[i + 1];
          if (next === undefined || next.startsWith("-")) {
            return {
              kind: "error",
              message: `${canonical} needs a value: ${canonical === "--stack" ? "--stack <name>" : "--backup <dir>"}`,
            };
          }
          value = next;
          i++;
        }
        if (value === "") return { kind: "error", message: `${canonical} needs a non-empty value` };
        if (canonical === "--stack") {
          if (!STACK_NAME.test(value)) return { kind: "error", message: `--stack "${value}" is not a stack name` };
          stack = value;
        } else {
          backupDir = value;
        }
        break;
      }
      case "--wipe-media":
      case "--yes":
        if (inline !== undefined) return { kind: "error", message: `${canonical} takes no value` };
        if (canonical === "--yes") yes = true;
        else wipeMedia = true;
        break;
      default:
        return {
          kind: "error",
          message: arg.startsWith("-")
            ? `unknown option ${flag}`
            : `unexpected argument "${arg}" (the stack goes after --stack)`,
        };
    }
    seen.add(canonical);
  }

  if (stack === undefined)
    return { kind: "error", message: "--stack <name> is required (which environment to reset?)" };
  return { kind: "run", options: { stack, wipeMedia, yes, ...(backupDir !== undefined ? { backupDir } : {}) } };
}
