/** The one error type for bad stack config: names the key, the value and what is expected. */

export interface ConfigIssue {
  /** Dotted path below the eqmd-matrix namespace, e.g. "oidc.issuer". */
  readonly key: string;
  /** The offending value; undefined when the key is missing. */
  readonly value: unknown;
  /** What is expected instead, phrased so the operator knows the fix. */
  readonly expected: string;
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

export function formatIssue(issue: ConfigIssue): string {
  const value = issue.value === undefined ? "is missing" : `= ${JSON.stringify(issue.value)}`;
  return `  - eqmd-matrix:${issue.key} ${value}: expected ${issue.expected.replace(/^expected /, "")}`;
}
