/**
 * The text `npm run diff` prints: each changed file (a unified diff, `[secret]` for a secret
 * one), then the resources the next `up` would touch, replacements first. Pure.
 */
import { FileChange, ResourceChange } from "./changes";

/** The order resources are listed in: what interrupts service first. */
const OP_ORDER = ["replace", "delete", "create", "update"];

export function report(files: readonly FileChange[], resources: readonly ResourceChange[]): string {
  if (files.length === 0 && resources.length === 0) return "no changes\n";
  const lines: string[] = [];
  for (const f of files) {
    if (f.kind === "secret") {
      lines.push(`[secret] ${f.resource}: its secret files change (contents are never shown)`);
    } else if (f.kind === "changed") {
      lines.push(`${f.resource}: ${f.path}`, f.patch.trimEnd());
    } else {
      lines.push(`${f.resource}: ${f.path} ${f.kind === "added" ? "new" : "removed"} (${f.lines} lines)`);
    }
  }
  if (files.length > 0) lines.push("");
  const sorted = [...resources].sort((a, b) => rank(a.op) - rank(b.op) || a.name.localeCompare(b.name));
  const counts = OP_ORDER.map((op) => [op, sorted.filter((r) => r.op === op).length] as const).filter(([, n]) => n > 0);
  lines.push(`resources: ${counts.map(([op, n]) => `${n} to ${op}`).join(", ") || "none"}`);
  for (const r of sorted) lines.push(`  ${r.op.padEnd(7)} ${r.name}  (${r.type})`);
  return `${lines.join("\n")}\n`;
}

function rank(op: string): number {
  const i = OP_ORDER.indexOf(op);
  return i < 0 ? OP_ORDER.length : i;
}
