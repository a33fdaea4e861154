/**
 * Command lines of `npm run backup` and `npm run restore`, parsed by node's util.parseArgs
 * (strict: an unknown option or a missing value is an error, not a guess).
 */
import { parseArgs } from "node:util";

const STACK_NAME = /^[A-Za-z0-9_.\-/]+$/;

/** The options one command takes: value options (`--to <dir>`) and flags (`--yes`). */
export interface CommandLineSpec {
  readonly values: readonly string[];
  readonly flags: readonly string[];
  /** Value options that must be given. */
  readonly required: readonly string[];
}

export type ParsedCommandLine =
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string }
  | {
      readonly kind: "run";
      readonly stack: string;
      readonly values: Readonly<Record<string, string>>;
      readonly flags: ReadonlySet<string>;
    };

/** Parses argv after `npm run <command> --`. Never throws. */
export function parseCommandLine(argv: readonly string[], spec: CommandLineSpec): ParsedCommandLine {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const name of ["stack", ...spec.values]) options[name] = { type: "string" };
  for (const name of spec.flags) options[name] = { type: "boolean", ...(name === "yes" ? { short: "y" } : {}) };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (err) {
    return { kind: "error", message: (err as Error).message };
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v["help"] === true) return { kind: "help" };
  const values: Record<string, string> = {};
  for (const name of ["stack", ...spec.values]) {
    const value = v[name];
    if (typeof value !== "string") continue;
    if (value === "" || value.startsWith("-")) return { kind: "error", message: `--${name} needs a value` };
    values[name] = value;
  }
  for (const name of ["stack", ...spec.required]) {
    if (values[name] === undefined)
      return { kind: "error", message: `--${name} <${name === "stack" ? "name" : "dir"}> is required` };
  }
  const stack = values["stack"] ?? "";
  if (!STACK_NAME.test(stack)) return { kind: "error", message: `--stack "${stack}" is not a stack name` };
  return { kind: "run", stack, values, flags: new Set(spec.flags.filter((f) => v[f] === true)) };
}
