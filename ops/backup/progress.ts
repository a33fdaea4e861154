/** Progress of a long step: bytes written so far and the rate, from the size of its output file. */
import * as fs from "node:fs";

const MIB = 1024 * 1024;

/** "12.3 MiB" (KiB below one MiB). */
export function formatBytes(bytes: number): string {
  if (bytes < MIB) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

/** "12.3 MiB in 2.0s (6.2 MiB/s)". */
export function formatRate(bytes: number, ms: number): string {
  const seconds = Math.max(ms, 1) / 1000;
  return `${formatBytes(bytes)} in ${seconds.toFixed(1)}s (${formatBytes(bytes / seconds)}/s)`;
}

/**
 * Prints `  <label>: <bytes> so far (<rate>/s)` every `intervalMs` while `body` runs (0 = never),
 * reading the size of `file` (a missing file counts as 0 bytes).
 */
export async function withProgress<T>(
  label: string,
  file: string,
  intervalMs: number,
  say: (line: string) => void,
  body: () => Promise<T>,
): Promise<T> {
  if (intervalMs <= 0) return body();
  const started = Date.now();
  const timer = setInterval(() => {
    const bytes = fileSize(file);
    const seconds = Math.max(Date.now() - started, 1) / 1000;
    say(`  ${label}: ${formatBytes(bytes)} so far (${formatBytes(bytes / seconds)}/s)`);
  }, intervalMs);
  try {
    return await body();
  } finally {
    clearInterval(timer);
  }
}

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
