/** Phase timings of a reset and the final summary table. */

export const PHASES = ["plan", "confirm", "backup", "destroy", "wipe", "up"] as const;
export type Phase = (typeof PHASES)[number];

export type PhaseRecord =
  | { readonly status: "done" | "failed"; readonly ms: number; readonly note?: string }
  | { readonly status: "skipped"; readonly note: string }
  | { readonly status: "not run" };

/** Records how long each phase took, using the injected clock (phases: the reset's, or another command's). */
export class PhaseTimer<P extends string = Phase> {
  private readonly records = new Map<P, PhaseRecord>();
  private readonly startedAt: number;

  constructor(private readonly now: () => Date) {
    this.startedAt = now().getTime();
  }

  /** Runs `body` as `phase`; a throw marks the phase failed and is re-thrown. */
  async time<T>(
    phase: P,
    body: () => Promise<T>,
    outcome?: (result: T) => { failed?: boolean; note?: string },
  ): Promise<T> {
    const start = this.now().getTime();
    let result: T;
    try {
      result = await body();
    } catch (err) {
      this.records.set(phase, { status: "failed", ms: this.now().getTime() - start });
      throw err;
    }
    const o = outcome?.(result) ?? {};
    this.records.set(phase, {
      status: o.failed ? "failed" : "done",
      ms: this.now().getTime() - start,
      ...(o.note !== undefined ? { note: o.note } : {}),
    });
    return result;
  }

  skip(phase: P, note: string): void {
    this.records.set(phase, { status: "skipped", note });
  }

  get(phase: P): PhaseRecord {
    return this.records.get(phase) ?? { status: "not run" };
  }

  totalMs(): number {
    return this.now().getTime() - this.startedAt;
  }
}

/** "850ms", "12.3s", "2m 05.0s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = ((ms % 60_000) / 1000).toFixed(1).padStart(4, "0");
  return `${minutes}m ${seconds}s`;
}

/** The summary table: one line per phase, then the total. */
export function formatSummary<P extends string = Phase>(
  timer: PhaseTimer<P>,
  stack: string,
  result: string,
  phases: readonly P[] = PHASES as readonly string[] as readonly P[],
): string {
  const lines = [`Summary (stack ${stack}):`];
  const width = Math.max(8, ...phases.map((p) => p.length));
  for (const phase of phases) {
    const r = timer.get(phase);
    let text: string;
    switch (r.status) {
      case "done":
      case "failed":
        text = `${formatDuration(r.ms)}${r.status === "failed" ? "  FAILED" : ""}${r.note ? `  (${r.note})` : ""}`;
        break;
      case "skipped":
        text = `skipped (${r.note})`;
        break;
      case "not run":
        text = "not run";
        break;
    }
    lines.push(`  ${phase.padEnd(width)} ${text}`);
  }
  lines.push(`  ${"total".padEnd(width)} ${formatDuration(timer.totalMs())}`);
  lines.push(`Result: ${result}`);
  return lines.join("\n") + "\n";
}
