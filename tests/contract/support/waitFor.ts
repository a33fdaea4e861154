/** Polls a condition until it holds or a deadline passes: no fixed sleeps in the tests. */

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  deadlineMs: number;
  /** Pause between attempts (default 250 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout message ("Synapse /health on :8008"). */
  what: string;
  /** Checked before each attempt; a returned string aborts the wait with that message. */
  abortIf?: () => string | undefined;
}

/**
 * Calls `attempt` until it returns a value other than `undefined`/`false`, and returns it.
 * A throwing attempt counts as "not yet"; its message is kept for the timeout error.
 */
export async function waitFor<T>(
  attempt: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const started = Date.now();
  const interval = options.intervalMs ?? 250;
  let lastProblem = "";
  for (;;) {
    const aborted = options.abortIf?.();
    if (aborted !== undefined) {
      throw new Error(`gave up waiting for ${options.what}: ${aborted}`);
    }
    try {
      const result = await attempt();
      if (result !== undefined && result !== false) {
        return result;
      }
      lastProblem = "";
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    const elapsed = Date.now() - started;
    if (elapsed >= options.deadlineMs) {
      const detail = lastProblem ? ` (last attempt: ${lastProblem})` : "";
      throw new Error(`timed out after ${(elapsed / 1000).toFixed(1)}s waiting for ${options.what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, options.deadlineMs - elapsed)));
  }
}
