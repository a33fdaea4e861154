/**
 * A stack config written from an example stack file plus a list of differences (the e2e
 * stacks), and the view of a config that the difference tests compare: every leaf by its path.
 */
import * as fs from "node:fs";
import { parse } from "yaml";

const NAMESPACE = "eqmd-matrix";

export interface Difference {
  /** Path below the `eqmd-matrix:` namespace. */
  readonly key: string;
  readonly value: unknown;
}

/** The `config:` map of a stack file. */
export function readStackConfig(file: string): Record<string, unknown> {
  return (parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
}

/** The example's config with each difference set at its path. */
export function withDifferences(file: string, differences: readonly Difference[]): Record<string, unknown> {
  const config = structuredClone(readStackConfig(file));
  for (const { key, value } of differences) {
    const [top, ...rest] = key.split(".");
    if (rest.length === 0) {
      config[`${NAMESPACE}:${top}`] = value;
      continue;
    }
    let node = (config[`${NAMESPACE}:${top}`] ??= {}) as Record<string, unknown>;
    for (const part of rest.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[rest[rest.length - 1]] = value;
  }
  return config;
}

/** Every leaf of a `config:` map by its path below the namespace, as JSON (arrays are leaves). */
export function leaves(config: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: unknown, at: string): void => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, at ? `${at}.${key}` : key);
    } else {
      out.set(at, JSON.stringify(value));
    }
  };
  for (const [key, value] of Object.entries(config)) walk(value, key.replace(new RegExp(`^${NAMESPACE}:`), ""));
  return out;
}

/** The paths where two configs' leaves differ, sorted. */
export function differingKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const left = leaves(a);
  const right = leaves(b);
  return [...new Set([...left.keys(), ...right.keys()])].filter((key) => left.get(key) !== right.get(key)).sort();
}
