/** Runs a short command to completion (management commands, psql, config checks). */
import { spawn } from "node:child_process";

export interface RunOptions {
  /** Variables added to (or overriding) this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Written to the command's stdin (then closed). */
  input?: string;
  /** Killed (whole process group) after this long; default 120 s. */
  timeoutMs?: number;
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${argv[0]}: ${error.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = { code, signal, stdout, stderr, durationMs: Date.now() - started };
      if (timedOut) {
        reject(new Error(`${describe(argv)} timed out after ${timeoutMs / 1000}s\n${lastLines(stderr || stdout)}`));
      } else if (code !== 0 && !options.allowFailure) {
        const how = signal ? `signal ${signal}` : `exit code ${String(code)}`;
        reject(new Error(`${describe(argv)} failed (${how})\n${lastLines(stderr || stdout)}`));
      } else {
        resolve(result);
      }
    });
  });
}

function describe(argv: readonly string[]): string {
  return argv.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(" ");
}

function lastLines(text: string, lines = 30): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
