/**
 * What the next `up` would change, read from the engine's own preview events (no second
 * renderer): for each container whose `uploads` differ, each file that differs, as a unified
 * line diff between the deployed content (the step's old inputs) and the declared one (its new
 * inputs); a secret `uploads` (the engine sends "[secret]" for it) only as `[secret]`; and the
 * resources each step creates, updates, replaces or deletes. Pure: no I/O.
 */
import { createTwoFilesPatch } from "diff";

/** The part of an engine step this report reads (StepEventMetadata of the Automation API). */
export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly type: string;
  readonly old?: { readonly inputs?: Record<string, unknown> };
  readonly new?: { readonly inputs?: Record<string, unknown> };
  /** Top-level properties whose change the provider reported. */
  readonly diffs?: readonly string[];
  /** Properties whose change forces the replacement (a replace step's reason). */
  readonly keys?: readonly string[];
  /** Property paths ("uploads[0].content", …) with their kind of change. */
  readonly detailedDiff?: Readonly<Record<string, unknown>>;
}

export type FileChange =
  | { readonly kind: "changed"; readonly resource: string; readonly path: string; readonly patch: string }
  | { readonly kind: "added" | "removed"; readonly resource: string; readonly path: string; readonly lines: number }
  | { readonly kind: "secret"; readonly resource: string };

export interface ResourceChange {
  readonly op: string;
  readonly name: string;
  readonly type: string;
}

/**
 * How the engine's events carry a secret value. Seen on the real engine for a job's `uploads`:
 * Pulumi's secret envelope (its signature key and value) with the ciphertext masked as
 * "[secret]". The bare "[secret]" string is taken as masked too. Neither is ever unmasked.
 */
export const MASKED = "[secret]";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Whether an event value is a masked secret, in either form. */
export function isMasked(value: unknown): boolean {
  if (value === MASKED) return true;
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
  );
}

const CONTAINER = "docker:index/container:Container";

/** Steps that change nothing, or that only mirror another step of the same replacement. */
const QUIET_OPS = new Set(["same", "read", "refresh", "create-replacement", "delete-replaced", "discard"]);

/** The resource's name: the URN's last part. */
export function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** One upload as the state records it, or undefined for another shape. */
function uploadsOf(value: unknown): Map<string, string> | "secret" | undefined {
  if (isMasked(value)) return "secret";
  if (!Array.isArray(value)) return undefined;
  const files = new Map<string, string>();
  for (const u of value as unknown[]) {
    if (typeof u !== "object" || u === null) continue;
    const { file, content } = u as { file?: unknown; content?: unknown };
    if (isMasked(content)) return "secret";
    if (typeof file === "string") files.set(file, typeof content === "string" ? content : "");
  }
  return files;
}

const lineCount = (text: string) => (text === "" ? 0 : text.replace(/\n$/, "").split("\n").length);

/** The file changes of one step (none when its uploads are the same before and after). */
export function fileChanges(step: PreviewStep, context = 3): FileChange[] {
  if (step.type !== CONTAINER || QUIET_OPS.has(step.op)) return [];
  const named = step.new?.inputs?.["name"] ?? step.old?.inputs?.["name"];
  const resource = typeof named === "string" ? named : nameOf(step.urn);
  const before = uploadsOf(step.old?.inputs?.["uploads"]) ?? new Map<string, string>();
  const after = uploadsOf(step.new?.inputs?.["uploads"]) ?? new Map<string, string>();
  if (before === "secret" || after === "secret") {
    // The engine masks the whole property: whether it changed is all it tells, never which
    // file or how. A step for another reason (a new image) with the same uploads says nothing.
    const changed = step.op === "create" || touches(step, "uploads");
    return changed ? [{ kind: "secret", resource }] : [];
  }
  const out: FileChange[] = [];
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const old = before.get(path);
    const now = after.get(path);
    if (old === now) continue;
    if (old === undefined) out.push({ kind: "added", resource, path, lines: lineCount(now ?? "") });
    else if (now === undefined) out.push({ kind: "removed", resource, path, lines: lineCount(old) });
    else {
      const patch = createTwoFilesPatch(`deployed ${path}`, `declared ${path}`, old, now, "", "", { context });
      // The library's first line is an "Index:"/"=====" header when names are given; keep from "---".
      out.push({ kind: "changed", resource, path, patch: patch.slice(patch.indexOf("---")) });
    }
  }
  return out;
}

/** Whether the step reports a change of property `name` (the engine fills one list or another). */
function touches(step: PreviewStep, name: string): boolean {
  const paths = [...(step.diffs ?? []), ...(step.keys ?? []), ...Object.keys(step.detailedDiff ?? {})];
  return paths.some((p) => p === name || p.startsWith(`${name}[`) || p.startsWith(`${name}.`));
}

/** The resources the steps act on, leaving out what does not change. */
export function resourceChanges(steps: readonly PreviewStep[]): ResourceChange[] {
  return steps
    .filter((s) => !QUIET_OPS.has(s.op) && !s.type.startsWith("pulumi:pulumi:Stack"))
    .map((s) => ({ op: s.op, name: nameOf(s.urn), type: s.type }));
}
