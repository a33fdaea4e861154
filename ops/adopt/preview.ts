/**
 * Pure: reads the preview that follows the import. The engine's own diff is the final check
 * that the imported objects are what the program declares: the role, the database and the
 * media volume may be updated in place, never replaced or deleted; the hand-made containers
 * are expected to be replaced.
 */
import { ImportStep, KEPT_KEYS } from "./importPlan";
import { AdoptEngineEvent } from "./types";

/** Engine step → what it does to the real object. */
const DESTRUCTIVE = new Set([
  "replace",
  "create-replacement",
  "delete-replaced",
  "delete",
  "discard",
  "discard-replaced",
]);

export interface PlannedStep {
  readonly step: ImportStep;
  /** Every engine op the preview planned for its URN ("same", "update", "replace", …). */
  readonly ops: readonly string[];
  /** Properties that differ (from the engine's diff). */
  readonly diffs: readonly string[];
}

export interface PreviewVerdict {
  readonly planned: readonly PlannedStep[];
  /** Human-readable problems; empty = the plan loses nothing. */
  readonly problems: readonly string[];
}

/** Collects ops and changed keys per URN from the preview's events. */
export function collectSteps(events: readonly AdoptEngineEvent[]): Map<string, { ops: string[]; diffs: string[] }> {
  const byUrn = new Map<string, { ops: string[]; diffs: string[] }>();
  for (const e of events) {
    const meta = e.resourcePreEvent?.metadata as { op: string; urn: string; diffs?: string[] } | undefined;
    if (!meta) continue;
    const entry = byUrn.get(meta.urn) ?? { ops: [], diffs: [] };
    if (!entry.ops.includes(meta.op)) entry.ops.push(meta.op);
    for (const d of meta.diffs ?? []) if (!entry.diffs.includes(d)) entry.diffs.push(d);
    byUrn.set(meta.urn, entry);
  }
  return byUrn;
}

export function judgePreview(steps: readonly ImportStep[], events: readonly AdoptEngineEvent[]): PreviewVerdict {
  const byUrn = collectSteps(events);
  const planned: PlannedStep[] = [];
  const problems: string[] = [];
  for (const step of steps) {
    const seen = byUrn.get(step.urn) ?? { ops: [], diffs: [] };
    planned.push({ step, ops: seen.ops, diffs: seen.diffs });
    const destructive = seen.ops.filter((op) => DESTRUCTIVE.has(op));
    if (KEPT_KEYS.includes(step.key) && destructive.length > 0) {
      problems.push(
        `${step.label}: the preview plans ${destructive.join(", ")}${seen.diffs.length ? ` (because of ${seen.diffs.join(", ")})` : ""}; adopting it would lose its data.`,
      );
    }
    if (seen.ops.includes("delete") && !seen.ops.some((op) => op.includes("replace") || op === "create")) {
      problems.push(
        `${step.label}: the preview deletes it, so the program declares no resource at ${step.urn} (a rename the adopt does not know).`,
      );
    }
  }
  return { planned, problems };
}

/** "update (owner, password)" / "replace (image, …)" / "no change". */
export function describeOps(p: PlannedStep): string {
  const main = p.ops.find((op) => op === "replace" || op.includes("replace"))
    ? "replace"
    : (p.ops.find((op) => op !== "same") ?? "same");
  const label = main === "same" ? "no change" : main;
  const diffs = p.diffs.length ? ` (${p.diffs.slice(0, 6).join(", ")}${p.diffs.length > 6 ? ", …" : ""})` : "";
  return `${label}${main === "same" ? "" : diffs}`;
}
