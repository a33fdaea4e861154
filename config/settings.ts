/**
 * The typed, frozen settings every other module reads, and the pure builder that makes them
 * from the raw stack config: validation (validate.ts, rules.ts), then derivation (derive.ts).
 * Local files are read separately (files.ts), so the reset can use the same builder. The
 * imports go one way: schema → validate → rules → derive → settings (the types in
 * settingsTypes.ts, the key-to-key defaults in defaults.ts, below both rules and derive).
 */
import { deriveSettings } from "./derive";
import { ConfigError, ConfigIssue } from "./errors";
import { crossKeyIssues } from "./rules";
import type { Settings } from "./settingsTypes";
import { ConfigInput, validateConfig } from "./validate";

export { CONFIG_NAMESPACE } from "./namespace";
export type { ConfigInput } from "./validate";
export type { BuiltinHook } from "./schema";
export type * from "./settingsTypes";

/** Settings plus every problem found, in one round (settings are meaningless if any). */
export function evaluateConfig(input: ConfigInput): { settings: Settings; issues: readonly ConfigIssue[] } {
  const validated = validateConfig(input);
  const issues = [...validated.issues, ...crossKeyIssues(validated, input.stack)];
  return { settings: deepFreeze(deriveSettings(validated.config, input.stack)), issues };
}

/** Validates the raw config and derives the settings; throws ConfigError listing every problem. */
export function buildSettings(input: ConfigInput): Settings {
  const { settings, issues } = evaluateConfig(input);
  if (issues.length > 0) throw new ConfigError(issues);
  return settings;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
