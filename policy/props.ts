/**
 * Narrowing helpers for resource inputs as CrossGuard hands them to a policy: plain JSON
 * (secrets already unwrapped), untyped. The pack depends on neither @pulumi/docker nor
 * @pulumi/postgresql, so inputs are read by key and checked here instead of through
 * `args.asType(...)`.
 */

/** A resource's inputs, keyed by their Pulumi (camelCase) names. */
export type Props = Readonly<Record<string, unknown>>;

import { isRecord } from "../config/isRecord";

// One definition for the program, the reset and the pack.
export { isRecord };

/** The string at `key`, or undefined when it is absent or not a string. */
export function stringProp(props: Props, key: string): string | undefined {
  const value = props[key];
  return typeof value === "string" ? value : undefined;
}

/** The boolean at `key`, or undefined when it is absent or not a boolean. */
export function booleanProp(props: Props, key: string): boolean | undefined {
  const value = props[key];
  return typeof value === "boolean" ? value : undefined;
}

/** The array at `key`, or an empty array when it is absent or not an array. */
export function arrayProp(props: Props, key: string): readonly unknown[] {
  const value = props[key];
  return Array.isArray(value) ? (value as readonly unknown[]) : [];
}

/** The object at `key`, or undefined when it is absent or not an object. */
export function recordProp(props: Props, key: string): Readonly<Record<string, unknown>> | undefined {
  const value = props[key];
  return isRecord(value) ? value : undefined;
}

/** The strings of an array, with their original indexes (non-strings are skipped). */
export function stringsWithIndex(values: readonly unknown[]): { index: number; value: string }[] {
  const result: { index: number; value: string }[] = [];
  values.forEach((value, index) => {
    if (typeof value === "string") {
      result.push({ index, value });
    }
  });
  return result;
}

/** How a resource is named in a message: its `name` input when set, else its logical name. */
export function displayName(props: Props, logicalName: string): string {
  const name = stringProp(props, "name");
  return name !== undefined && name !== "" ? name : logicalName;
}
