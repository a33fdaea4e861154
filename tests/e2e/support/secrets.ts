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
 * the random resources' results, the secret files (container uploads), the stack's secret
 * outputs. Each long word of them that looks generated (letters and digits, no path), so one
 * line of a secret file in an output would be caught too. (Not a command's secret stdin: it
 * carries the script's public source beside its secret input.)
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
  const secretsIn = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(secretsIn);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o["plaintext"] === "string") collect(JSON.parse(o["plaintext"]) as unknown);
      else Object.values(o).forEach(secretsIn);
    }
  };
  const deployment = JSON.parse(exported) as { deployment: { resources?: Resource[] } };
  const resources = deployment.deployment.resources ?? [];
  for (const r of resources) {
    if (r.type.startsWith("random:")) secretsIn(r.outputs?.["result"]);
    if (r.type === "docker:index/container:Container") secretsIn(r.inputs?.["uploads"]);
    if (r.type === "pulumi:pulumi:Stack") secretsIn(r.outputs);
  }
  // A word that also stands in a non-secret value (a host name in pgpass is in homeserver.yaml
  // too) is no secret: the preview may show it.
  const plain = new Set<string>();
  const plainWords = (v: unknown): void => {
    if (typeof v === "string") v.split(/[\s:"]+/).forEach((w) => plain.add(w));
    else if (Array.isArray(v)) v.forEach(plainWords);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o["plaintext"] !== "string") Object.values(o).forEach(plainWords);
    }
  };
  plainWords(deployment);
  return [...out].filter((w) => !plain.has(w));
}

interface Resource {
  readonly type: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}
