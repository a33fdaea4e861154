/**
 * The load benchmark's bookkeeping, pure (no network, no clock of its own): percentiles, the
 * sends and deliveries of one phase, and the printed table with its workers/single ratios.
 */

/** Nearest-rank percentile of `values` (0 < p ≤ 100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new Error(`percentile: p must be in (0, 100], got ${p}`);
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1] ?? NaN;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length === 0 ? NaN : Math.max(...values),
  };
}

interface SentMessage {
  readonly startedAt: number;
  /** The users who should see it in their /sync: the room's other active members. */
  readonly receivers: ReadonlySet<string>;
  ok: boolean;
}

/**
 * Every message of one phase from its send to each receiver's /sync. Only messages whose send
 * started inside the measured window [from, to) count; the warm-up's and the drain's do not.
 * A receiver seeing the same event twice (a retried /sync) counts once.
 */
export class PhaseBook {
  private readonly messages = new Map<string, SentMessage>();
  private readonly seen = new Set<string>();
  private readonly sendMs: number[] = [];
  private readonly deliveryMs: number[] = [];
  private sendErrors = 0;
  private skipped = 0;
  private syncErrors = 0;
  private gaps = 0;
  private unknown = 0;

  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {}

  private measured(at: number): boolean {
    return at >= this.from && at < this.to;
  }

  /** A send is about to go out (called before the request, so a fast /sync still finds it). */
  sending(id: string, startedAt: number, receivers: ReadonlySet<string>): void {
    if (this.messages.has(id)) throw new Error(`message id ${id} sent twice`);
    this.messages.set(id, { startedAt, receivers, ok: false });
  }

  /** The send's answer: its round trip when it succeeded, an error otherwise. */
  sent(id: string, endedAt: number, ok: boolean): void {
    const message = this.messages.get(id);
    if (message === undefined) throw new Error(`message id ${id} was never sending`);
    message.ok = ok;
    if (!this.measured(message.startedAt)) return;
    if (ok) this.sendMs.push(endedAt - message.startedAt);
    else this.sendErrors++;
  }

  /** A user's tick came while its previous send was still out (the server falls behind). */
  skippedTick(at: number): void {
    if (this.measured(at)) this.skipped++;
  }

  /** `receiver` saw message `id` in its /sync at `at`. */
  delivered(id: string, receiver: string, at: number): void {
    const message = this.messages.get(id);
    if (message === undefined) {
      this.unknown++;
      return;
    }
    const key = `${id}\u0000${receiver}`;
    if (this.seen.has(key) || !message.receivers.has(receiver)) return;
    this.seen.add(key);
    if (this.measured(message.startedAt)) this.deliveryMs.push(at - message.startedAt);
  }

  syncError(at: number): void {
    if (this.measured(at)) this.syncErrors++;
  }

  /** A /sync answered `limited` timeline: events between two syncs were left out. */
  gap(at: number): void {
    if (this.measured(at)) this.gaps++;
  }

  /** Deliveries of the window's sent messages not seen yet (the drain waits for these). */
  pendingDeliveries(): number {
    let expected = 0;
    for (const m of this.messages.values()) if (this.measured(m.startedAt) && m.ok) expected += m.receivers.size;
    return expected - this.deliveryMs.length;
  }

  result(): PhaseCounts {
    let sentOk = 0;
    let expected = 0;
    for (const m of this.messages.values()) {
      if (!this.measured(m.startedAt) || !m.ok) continue;
      sentOk++;
      expected += m.receivers.size;
    }
    return {
      windowMs: this.to - this.from,
      sentOk,
      sendErrors: this.sendErrors,
      skipped: this.skipped,
      deliveries: this.deliveryMs.length,
      expectedDeliveries: expected,
      syncErrors: this.syncErrors,
      gaps: this.gaps,
      unknownEvents: this.unknown,
      send: summarize(this.sendMs),
      delivery: summarize(this.deliveryMs),
    };
  }
}

export interface PhaseCounts {
  readonly windowMs: number;
  readonly sentOk: number;
  readonly sendErrors: number;
  readonly skipped: number;
  /** Receiver-events seen in /sync (one message in a room of n active users counts n − 1). */
  readonly deliveries: number;
  readonly expectedDeliveries: number;
  readonly syncErrors: number;
  readonly gaps: number;
  readonly unknownEvents: number;
  readonly send: LatencySummary;
  readonly delivery: LatencySummary;
}

export interface ContainerUse {
  readonly name: string;
  /** Mean CPU over the window, in percent of one core (as `docker stats`: 200 = two cores). */
  readonly cpuPct: number;
  /** Highest memory seen during the window (usage less inactive file cache, as `docker stats`). */
  readonly memMib: number;
}

export type Mode = "single" | "workers";

export interface PhaseRow {
  readonly mode: Mode;
  readonly users: number;
  readonly round: number;
  readonly counts: PhaseCounts;
  readonly containers: readonly ContainerUse[];
  /** The load client's own CPU over the window, in percent of one core (it shares the machine). */
  readonly clientCpuPct: number;
  /** The other stack's containers over the same window (idle, but on the same two cores). */
  readonly neighbourCpuPct: number;
}

const perSecond = (n: number, ms: number): number => (ms > 0 ? n / (ms / 1000) : NaN);
const fixed = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const totalCpu = (row: PhaseRow): number => row.containers.reduce((s, c) => s + c.cpuPct, 0);
const totalMem = (row: PhaseRow): number => row.containers.reduce((s, c) => s + c.memMib, 0);

export function deliveredPerSecond(row: PhaseRow): number {
  return perSecond(row.counts.deliveries, row.counts.windowMs);
}

/** One line per phase; the containers' CPU and memory as `name cpu%/MiB`, short names. */
export function formatTable(rows: readonly PhaseRow[], shortName: (name: string) => string = (n) => n): string {
  const header = [
    "mode",
    "K",
    "round",
    "sent/s",
    "delivered/s",
    "delivered %",
    "send p50 ms",
    "send p99 ms",
    "sync p50 ms",
    "sync p99 ms",
    "errors (send/sync/skipped/gaps)",
    "CPU % (all)",
    "MiB (all)",
    "client CPU %",
    "other stack CPU %",
    "per container (CPU % / MiB)",
  ];
  const lines = rows.map((r) => {
    const c = r.counts;
    return [
      r.mode,
      String(r.users),
      String(r.round),
      fixed(perSecond(c.sentOk, c.windowMs), 1),
      fixed(deliveredPerSecond(r), 0),
      fixed(c.expectedDeliveries > 0 ? (100 * c.deliveries) / c.expectedDeliveries : NaN, 1),
      fixed(c.send.p50),
      fixed(c.send.p99),
      fixed(c.delivery.p50),
      fixed(c.delivery.p99),
      `${c.sendErrors}/${c.syncErrors}/${c.skipped}/${c.gaps}`,
      fixed(totalCpu(r)),
      fixed(totalMem(r)),
      fixed(r.clientCpuPct),
      fixed(r.neighbourCpuPct),
      [...r.containers]
        .sort((a, b) => b.cpuPct - a.cpuPct)
        .map((k) => `${shortName(k.name)} ${fixed(k.cpuPct)}/${fixed(k.memMib)}`)
        .join(", "),
    ];
  });
  return [header, ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * workers ÷ single for each K that has both, over the mean of its rounds: above 1 means
 * workers have more (throughput, CPU, memory), below 1 less (latency: below 1 is better).
 */
export function formatRatios(rows: readonly PhaseRow[]): string {
  const measures: [string, (r: PhaseRow) => number][] = [
    ["delivered/s", deliveredPerSecond],
    ["send p50", (r) => r.counts.send.p50],
    ["send p99", (r) => r.counts.send.p99],
    ["sync p50", (r) => r.counts.delivery.p50],
    ["sync p99", (r) => r.counts.delivery.p99],
    ["CPU (all)", totalCpu],
    ["MiB (all)", totalMem],
  ];
  const lines = [`| K | ${measures.map(([name]) => `${name} w/s`).join(" | ")} |`];
  const ks = [...new Set(rows.map((r) => r.users))].sort((a, b) => a - b);
  for (const k of ks) {
    const of = (mode: Mode) => rows.filter((r) => r.users === k && r.mode === mode);
    const single = of("single");
    const workers = of("workers");
    if (single.length === 0 || workers.length === 0) continue;
    const cells = measures.map(([, f]) => fixed(mean(workers.map(f)) / mean(single.map(f)), 2));
    lines.push(`| ${k} | ${cells.join(" | ")} |`);
  }
  return lines.length > 1 ? lines.join("\n") : "(no K measured in both modes: no ratios)";
}
