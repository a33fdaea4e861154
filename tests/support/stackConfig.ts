/** Reads a Pulumi.<stack>.yaml into the flat string map `pulumi.runtime.setAllConfig` takes. */
import * as fs from "node:fs";
import { parse } from "yaml";

export interface StackConfig {
  /** "<namespace>:<key>" → value as the CLI would pass it (JSON text for non-strings). */
  readonly values: Record<string, string>;
  /** Keys whose values are secret (`secure:` entries, or given as secret overrides). */
  readonly secretKeys: string[];
}

/** Stand-in for an encrypted `secure:` value: distinctive, so leak checks can search for it. */
export const secretPlaceholder = (key: string): string => `MOCKSECRET-config-${key.replace(/\W/g, "-")}`;

export function readStackConfig(file: string): StackConfig {
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (value && typeof value === "object" && "secure" in value) {
      values[key] = secretPlaceholder(key);
      secretKeys.push(key);
    } else {
      values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { values, secretKeys };
}

/** Applies test overrides: `null` removes a key, secrets are listed separately. */
export function withOverrides(
  base: StackConfig,
  overrides: Record<string, unknown> = {},
  secrets: Record<string, string> = {},
): StackConfig {
  const values = { ...base.values };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete values[key];
    else values[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  for (const [key, value] of Object.entries(secrets)) values[key] = value;
  return { values, secretKeys: [...new Set([...base.secretKeys, ...Object.keys(secrets)])] };
}
