/** True for a plain object (not an array, not null): config values, policy inputs, state. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
