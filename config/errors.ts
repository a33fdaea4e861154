/** The one error type for bad stack config: names the key, the value and the fix. */
import { CONFIG_NAMESPACE } from "./namespace";

export interface ConfigIssue {
  /** Set when the problem is in a file the stack names (eqmd's .env), not in the stack config: then `key` is that file's key. */
  readonly file?: string;
  /** Path below the eqmd-matrix namespace as `pulumi config set --path` spells it, e.g. "oidc.issuer". */
  readonly key: string;
  /** The offending value; undefined when the key is missing. Secret values are never kept here. */
  readonly value: unknown;
  /** Whether the value is a secret (then it is never shown). */
  readonly secret?: boolean;
  /** What the key wants, in plain words, e.g. "a whole number such as 1001". */
  readonly expected: string;
  /** A command or step that fixes it, when there is one beyond "set it to what is expected". */
  readonly fix?: string;
}

export class ConfigError extends Error {
  constructor(public readonly issues: readonly ConfigIssue[]) {
    super(
      `Invalid eqmd-matrix stack configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map(formatIssue).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** One line: `- eqmd-matrix:<key> = <value>: expected <what>. Fix: <command>` (`- <file>: <key> …` for a file's key). */
export function formatIssue(issue: ConfigIssue): string {
  const value =
    issue.value === undefined
      ? "is missing"
      : issue.secret
        ? "= (secret, not shown)"
        : `= ${JSON.stringify(issue.value)}`;
  const fix = issue.fix ? `. Fix: ${issue.fix}` : "";
  const where = issue.file ? `${issue.file}: ${issue.key}` : `${CONFIG_NAMESPACE}:${issue.key}`;
  return `  - ${where} ${value}: expected ${issue.expected}${fix}`;
}

/** ["synapse", "modules", 0, "files"] → "synapse.modules[0].files", as `--path` takes it. */
export function keyOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((key, part) => {
    if (typeof part === "number") return `${key}[${part}]`;
    return key === "" ? String(part) : `${key}.${String(part)}`;
  }, "");
}

/** The `pulumi config set` command for `key` (with `--path` for nested keys; quoted for the shell). */
export function configSetCommand(key: string, value: string): string {
  const path = /[.[]/.test(key) ? "--path " : "";
  const quoted = /[\s[\]]/.test(key) ? `'${key}'` : key;
  return `pulumi config set ${path}${quoted} ${value}`;
}
