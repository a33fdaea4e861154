/** The stack's secret values, as the end-to-end tests look for them where they must not be. */
import assert from "node:assert/strict";
import { OutputMap } from "@pulumi/pulumi/automation";

/** A secret stack output's value (fails when it is missing or not secret). */
export function secretOutput(outputs: OutputMap, key: string): string {
  const output = outputs[key];
  assert.ok(output, `stack output ${key} is missing`);
  assert.equal(output.secret, true, `stack output ${key} must be secret`);
  return String(output.value);
}

/**
 * The generated values the state keeps as secrets, from `pulumi stack export --show-secrets`:
 * every long word of a secret (a secret file's lines included) that looks generated (letters
 * and digits, no path), so one line of a secret file in an output would be caught too.
 */
export function secretStrings(exported: string): string[] {
  const out = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === "string") {
      for (const word of v.split(/[\s:"]+/)) {
        if (word.length >= 16 && /\d/.test(word) && /[A-Za-z]/.test(word) && !word.includes("/")) out.add(word);
      }
    } else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === "object") Object.values(v).forEach(collect);
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o["plaintext"] === "string") collect(JSON.parse(o["plaintext"]) as unknown);
      else Object.values(o).forEach(walk);
    }
  };
  walk(JSON.parse(exported));
  return [...out];
}
