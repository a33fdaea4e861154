/**
 * Seconds → a duration string exactly as Go prints it (`time.Duration.String()`): "10s",
 * "1m30s", "5m0s", "1h0m0s". The Docker provider stores healthcheck durations read back from
 * the engine in this form; any other spelling ("300s") diffs on every `pulumi up`, and with
 * `replaceOnChanges: ["healthcheck"]` that diff would replace the container each time.
 */
export function goDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`duration must be whole seconds >= 0, got ${seconds}`);
  if (seconds === 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * How often Docker probes a service's health, in seconds. Engines before API 1.44 have no
 * start interval: the first probe runs one interval after the start, and `wait: true` sees
 * "healthy" only then. Seen on Engine 20.10: a 10 s interval reported a Synapse that answered
 * /health after 1.7 s as healthy at 10 s. One second bounds that delay (plus the provider's
 * own one-second poll) at about 2 s, for a probe that costs a local HTTP request.
 */
export const HEALTH_PROBE_INTERVAL_SECONDS = 1;
