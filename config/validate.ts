/**
 * Validation of the raw stack config, key by key: each key is checked on its own (so one bad
 * key does not hide the others), unknown keys and plaintext secrets are refused, and the keys
 * that parsed are assembled into a typed config for the cross-key rules (rules.ts).
 */
import { z } from "zod";
import { ConfigIssue, configSetCommand, keyOf } from "./errors";
import {
  configSchema,
  envFileFields,
  ParsedConfig,
  REQUIRED_EXAMPLES,
  SECRET_CONFIG_KEYS,
  sectionFields,
  topLevelFields,
} from "./schema";
import { isRecord } from "./isRecord";

/** Everything the config is built from; pure data, no Pulumi. */
export interface ConfigInput {
  /** Every key of the eqmd-matrix namespace (without the `eqmd-matrix:` prefix) → its decoded value. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The keys the engine stores encrypted (`pulumi config set --secret`). */
  readonly secretKeys: readonly string[];
  /** The stack name (some rules depend on it). */
  readonly stack: string;
}

export interface Validated {
  /** The config with defaults; keys that failed hold their default (or a placeholder). */
  readonly config: ParsedConfig;
  readonly issues: ConfigIssue[];
  /** True when `key` (or a key containing it, or inside it) failed: rules on it are skipped. */
  readonly failed: (key: string) => boolean;
  /** Which secret config keys are set (as secrets). */
  readonly secretsSet: ReadonlySet<string>;
}

/** Stands in for a required key that failed, so the other keys can still be checked. */
const PLACEHOLDER_DOMAIN = "invalid.example";

export function validateConfig(input: ConfigInput): Validated {
  const issues: ConfigIssue[] = [];
  const bad: string[] = [];
  const hidden = (key: string) => input.secretKeys.includes(key);
  const clean: Record<string, unknown> = {};

  const check = (path: string[], schema: z.ZodType, value: unknown): boolean => {
    const result = schema.safeParse(value, { reportInput: true, error: plainFallback });
    if (result.success) return true;
    for (const issue of result.error.issues) issues.push(...describe(path, issue, hidden(path[0] ?? "")));
    bad.push(keyOf(path));
    return false;
  };

  const secretsSet = new Set<string>();
  for (const [key, value] of Object.entries(input.values)) {
    if ((SECRET_CONFIG_KEYS as readonly string[]).includes(key)) {
      if (hidden(key)) secretsSet.add(key);
      else issues.push(plaintextSecret(key));
    } else if (!(key in topLevelFields) && !(key in sectionFields) && key !== "envFile") {
      issues.push(unknownKey([key], value, hidden(key)));
    }
  }

  for (const [key, schema] of Object.entries(topLevelFields)) {
    const value = input.values[key];
    if (check([key], schema, value) && value !== undefined) clean[key] = value;
  }
  if (bad.includes("eqmdDomain")) clean["eqmdDomain"] = PLACEHOLDER_DOMAIN;

  const sections: [string, Record<string, z.ZodType>][] = [
    ...Object.entries(sectionFields),
    ["envFile", envFileFields],
  ];
  for (const [name, fields] of sections) {
    const value = input.values[name];
    if (value === undefined) continue;
    if (!isRecord(value)) {
      issues.push({
        key: name,
        ...shown(value, hidden(name)),
        expected: `a map of keys such as {${Object.keys(fields).slice(0, 2).join(": …, ")}: …}`,
      });
      bad.push(name);
      continue;
    }
    const kept: Record<string, unknown> = {};
    for (const [field, given] of Object.entries(value)) {
      if (!(field in fields)) issues.push(unknownKey([name, field], given, hidden(name)));
    }
    for (const [field, schema] of Object.entries(fields)) {
      if (check([name, field], schema, value[field]) && value[field] !== undefined) kept[field] = value[field];
    }
    // envFile without a valid path cannot be built at all.
    if (name === "envFile" && bad.includes("envFile.path")) bad.push("envFile");
    else clean[name] = kept;
  }

  const failed = (key: string) => bad.some((b) => b === key || key.startsWith(`${b}.`) || b.startsWith(`${key}.`));
  return { config: configSchema.parse(clean), issues, failed, secretsSet };
}

/** A zod issue (with its path inside `path`) in plain words. */
function describe(path: readonly string[], issue: z.core.$ZodIssue, secret: boolean): ConfigIssue[] {
  const at = [...path, ...issue.path];
  if (issue.code === "unrecognized_keys") {
    const given = isRecord(issue.input) ? issue.input : {};
    return issue.keys.map((k) => unknownKey([...at, k], given[k], secret));
  }
  const key = keyOf(at);
  if (issue.input === undefined && issue.code === "invalid_type") {
    const example = REQUIRED_EXAMPLES[key.replace(/\[\d+\]/g, "[]")] ?? { suffix: "", value: "<value>" };
    return [
      {
        key,
        value: undefined,
        expected: `${issue.message}; this key is required`,
        fix: configSetCommand(key + example.suffix, example.value),
      },
    ];
  }
  return [{ key, ...shown(issue.input, secret), expected: issue.message }];
}

function unknownKey(path: readonly PropertyKey[], value: unknown, secret: boolean): ConfigIssue {
  const key = keyOf(path);
  return {
    key,
    ...shown(value, secret),
    expected: "a known key: this one is not part of eqmd-matrix's config (check the spelling)",
    fix: `pulumi config rm ${path.length > 1 ? "--path " : ""}${key}`,
  };
}

/** The value to report: a secret one is replaced by a marker, so no message can carry it. */
function shown(value: unknown, secret: boolean): Pick<ConfigIssue, "value" | "secret"> {
  return secret ? { value: "(secret)", secret } : { value };
}

function plaintextSecret(key: string): ConfigIssue {
  return {
    key,
    value: "(plain text)",
    secret: true,
    expected: "an encrypted secret: this key holds a password, and the stack file stores it in plain text",
    fix: `pulumi config set --secret ${key} <value> (it replaces the plain-text entry)`,
  };
}

/**
 * Words for any issue a schema check did not phrase itself (every check in schema.ts does; this
 * keeps the validation library's own wording from ever reaching the operator).
 */
function plainFallback(issue: z.core.$ZodRawIssue): string {
  if (issue.code === "invalid_type") {
    const wanted: Record<string, string> = {
      number: "a number",
      string: "a text value",
      boolean: "true or false",
      array: "a list",
      object: "a map of keys",
    };
    return wanted[issue.expected] ?? "a value of another type";
  }
  return "a different value (see docs/configuration.md)";
}
