/**
 * Raw stack config → the builder's input. The engine hands the program (and the Automation
 * API hands the reset) every key as text: objects, lists, numbers and booleans as JSON, plain
 * strings as they are. One decoder for both, so both read the same values.
 */
import { CONFIG_NAMESPACE } from "./namespace";
import type { ConfigInput } from "./validate";

/** One entry of the stack config: its text and whether the engine stores it encrypted. */
export interface StackConfigEntry {
  readonly value: string;
  readonly secret: boolean;
}

/** `"eqmd-matrix:<key>"` → entry; other namespaces are ignored. */
export function configInput(stack: string, entries: Readonly<Record<string, StackConfigEntry>>): ConfigInput {
  const values: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, entry] of Object.entries(entries)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    values[key] = decode(entry.value);
    if (entry.secret) secretKeys.push(key);
  }
  return { stack, values, secretKeys };
}

function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
