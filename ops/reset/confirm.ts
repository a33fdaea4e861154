/** The operator's confirmation: type the stack name, unless --yes. */
import { ResetDeps, ResetOptions } from "./types";

export type Confirmation =
  | { readonly kind: "yes-flag" }
  | { readonly kind: "confirmed" }
  | { readonly kind: "no-tty" }
  | { readonly kind: "mismatch"; readonly typed: string }
  | { readonly kind: "no-answer" };

/** Asks for the stack name; only an exact match (surrounding spaces ignored) confirms. */
export async function confirm(
  deps: Pick<ResetDeps, "isTTY" | "prompt">,
  options: Pick<ResetOptions, "stack" | "yes">,
): Promise<Confirmation> {
  if (options.yes) return { kind: "yes-flag" };
  if (!deps.isTTY) return { kind: "no-tty" };
  const typed = await deps.prompt(`Type the stack name (${options.stack}) to go on, anything else aborts: `);
  if (typed === undefined) return { kind: "no-answer" };
  return typed.trim() === options.stack ? { kind: "confirmed" } : { kind: "mismatch", typed: typed.trim() };
}
