/** The operator's confirmation: type the stack name, unless --yes. */
import { PhaseTimer } from "./timing";
import { EXIT, ExitCode, ResetDeps, ResetOptions } from "./types";

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

/** What to print and do after the confirmation; `proceed` false = stop with `code`. */
export type ConfirmationOutcome =
  | { readonly proceed: true; readonly line: string }
  | { readonly proceed: false; readonly code: ExitCode; readonly lines: readonly string[]; readonly result: string };

/** The same words for every command that asks (`verb`: "reset", "restore"). */
export function describeConfirmation(answer: Confirmation, stack: string, verb: string): ConfirmationOutcome {
  switch (answer.kind) {
    case "no-tty":
      return {
        proceed: false,
        code: EXIT.refused,
        lines: [
          `Refusing to ${verb} without a terminal to confirm on: re-run with --yes to confirm on the command line.`,
          "Nothing was changed.",
        ],
        result: "refused (no terminal, no --yes); nothing was changed",
      };
    case "mismatch":
      return {
        proceed: false,
        code: EXIT.failed,
        lines: [`Aborted: "${answer.typed}" is not "${stack}". Nothing was changed.`],
        result: "aborted at the confirmation; nothing was changed",
      };
    case "no-answer":
      return {
        proceed: false,
        code: EXIT.failed,
        lines: ["Aborted: no confirmation was typed. Nothing was changed."],
        result: "aborted at the confirmation; nothing was changed",
      };
    case "yes-flag":
      return { proceed: true, line: "Confirmed by --yes." };
    case "confirmed":
      return { proceed: true, line: "Confirmed." };
  }
}

/** Asks (timed as the "confirm" phase) and describes the answer for `verb`. */
export async function askToGoOn<P extends string>(
  timer: PhaseTimer<P>,
  phase: P,
  deps: Pick<ResetDeps, "isTTY" | "prompt">,
  options: Pick<ResetOptions, "stack" | "yes">,
  verb: string,
): Promise<ConfirmationOutcome> {
  const answer = await timer.time(
    phase,
    () => confirm(deps, options),
    (c) => ({
      failed: c.kind !== "confirmed" && c.kind !== "yes-flag",
      ...(c.kind === "yes-flag" ? { note: "--yes" } : {}),
    }),
  );
  return describeConfirmation(answer, options.stack, verb);
}
