/**
 * What a reset costs Matrix, seen from outside: Synapse's container events (a live `docker
 * events` stream) and a host-side poll of `/health`, both on this machine's clock. Used by the
 * dev e2e test and by testbed/bench/reset-vs-hand.ts, which print the figures (no assertion on
 * time).
 *
 * - starts: the `start` events of the container name (a `docker restart` is one as well);
 * - own start: the first start event → the first 200 on /health after it (Synapse's own start:
 *   what neither the program nor the hand procedure can make shorter);
 * - downtime: the first stop of the old Synapse (its first kill/die/stop event) → the first 200
 *   after the last start.
 */
import { spawn } from "node:child_process";

export interface MatrixFigures {
  readonly starts: number;
  /** First start event → first 200 on /health after it, ms (undefined: no start or no 200). */
  readonly ownStartMs?: number;
  /** Last start event → first 200 after it, ms. */
  readonly lastStartMs?: number;
  /** First stop → first 200 after the last start, ms (undefined: no stop, or no 200 after). */
  readonly downtimeMs?: number;
  /** Absolute times (ms since the epoch), for lining up with a command's own phases. */
  readonly firstStopAt?: number;
  readonly firstStartAt?: number;
  readonly backAt?: number;
}

export interface MatrixWatch {
  /** Stops the stream and the poll; the figures of everything seen since watchMatrix. */
  stop(): Promise<MatrixFigures>;
}

const STOP_ACTIONS = new Set(["kill", "die", "stop"]);

/**
 * Starts watching container `name` and polling `healthUrl` every `pollMs` (bounded by
 * `deadlineMs`); resolves once the event stream has had a moment to connect.
 */
export async function watchMatrix(
  name: string,
  healthUrl: string,
  { pollMs = 50, deadlineMs = 20 * 60_000 }: { pollMs?: number; deadlineMs?: number } = {},
): Promise<MatrixWatch> {
  const filters = [`container=${name}`, "event=start", "event=kill", "event=die", "event=stop"];
  const child = spawn("docker", [
    "events",
    ...filters.flatMap((f) => ["--filter", f]),
    "--format",
    "{{.Action}} {{.TimeNano}}",
  ]);
  let text = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
  const ended = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const killer = setTimeout(() => child.kill(), deadlineMs);

  const healthy: number[] = [];
  let stopped = false;
  const poll = (async () => {
    const end = Date.now() + deadlineMs;
    while (!stopped && Date.now() < end) {
      const ok = await fetch(healthUrl, { signal: AbortSignal.timeout(1_000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) healthy.push(Date.now());
      await new Promise((r) => setTimeout(r, pollMs));
    }
  })();
  // The CLI has no "subscribed" signal; a second is ample for it to connect.
  await new Promise((r) => setTimeout(r, 1_000));

  return {
    stop: async () => {
      // Events reach the stream asynchronously: give the last one a moment.
      await new Promise((r) => setTimeout(r, 500));
      stopped = true;
      clearTimeout(killer);
      child.kill();
      await Promise.all([ended, poll]);
      return figuresOf(parseEvents(text), healthy);
    },
  };
}

export interface ContainerEvent {
  readonly action: string;
  /** ms since the epoch. */
  readonly at: number;
}

export function parseEvents(text: string): ContainerEvent[] {
  return text
    .split("\n")
    .map((line) => line.trim().split(" "))
    .filter((parts) => parts.length === 2)
    .map(([action, nanos]) => ({ action: action ?? "", at: Number(BigInt(nanos ?? "0") / 1_000_000n) }));
}

/** The figures from the events and the times of the 200s (pure: tested without an engine). */
export function figuresOf(events: readonly ContainerEvent[], healthy: readonly number[]): MatrixFigures {
  const starts = events.filter((e) => e.action === "start").map((e) => e.at);
  const firstStop = events.find((e) => STOP_ACTIONS.has(e.action))?.at;
  const firstStart = starts[0];
  const lastStart = starts[starts.length - 1];
  const firstOkAfter = (t: number | undefined): number | undefined =>
    t === undefined ? undefined : healthy.find((h) => h >= t);
  const okAfterFirst = firstOkAfter(firstStart);
  const back = firstOkAfter(lastStart);
  return {
    starts: starts.length,
    ...(firstStart !== undefined && okAfterFirst !== undefined ? { ownStartMs: okAfterFirst - firstStart } : {}),
    ...(lastStart !== undefined && back !== undefined ? { lastStartMs: back - lastStart } : {}),
    ...(firstStop !== undefined && back !== undefined ? { downtimeMs: back - firstStop } : {}),
    ...(firstStop !== undefined ? { firstStopAt: firstStop } : {}),
    ...(firstStart !== undefined ? { firstStartAt: firstStart } : {}),
    ...(back !== undefined ? { backAt: back } : {}),
  };
}

/** (wall − Synapse's own start) / Synapse's own start, or undefined without an own start. */
export function startRatio(wallMs: number, figures: MatrixFigures): number | undefined {
  const own = figures.ownStartMs;
  return own === undefined || own <= 0 ? undefined : (wallMs - own) / own;
}
