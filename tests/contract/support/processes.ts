/**
 * Long-running processes of the contract tests (provider, Synapse, a private PostgreSQL).
 * Every started process is recorded, so `stopAll()` in a global teardown kills strays even
 * when a test step failed half-way; a last-resort exit hook SIGKILLs whatever is left.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartProcessOptions {
  /** Variables added to (or overriding) this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** Time between SIGTERM and SIGKILL in `stop()` (default 10 s). */
  graceMs?: number;
}

export interface ProcessHandle {
  readonly name: string;
  readonly pid: number;
  readonly argv: readonly string[];
  readonly logFile: string;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  /** How it exited, or undefined while it runs. */
  exitInfo(): ExitInfo | undefined;
  /** SIGTERM to its process group, SIGKILL after the grace period; resolves once it exited. */
  stop(): Promise<ExitInfo>;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): string;
}

const running = new Set<ProcessHandle>();

/** Starts `argv` in its own process group, output appended to `logFile`. */
export async function startProcess(
  name: string,
  argv: readonly string[],
  options: StartProcessOptions,
): Promise<ProcessHandle> {
  if (argv.length === 0) {
    throw new Error(`startProcess(${name}): empty argv`);
  }
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.openSync(options.logFile, "a");
  const child = spawn(argv[0], argv.slice(1), {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", log, log],
    detached: true,
  });
  fs.closeSync(log);
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", (error) => reject(new Error(`could not start ${name} (${argv[0]}): ${error.message}`)));
  });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`could not start ${name}: no pid`);
  }

  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      running.delete(handle);
      resolve(exit);
    });
  });
  const graceMs = options.graceMs ?? 10_000;

  const handle: ProcessHandle = {
    name,
    pid,
    argv: [...argv],
    logFile: options.logFile,
    exited,
    exitInfo: () => exit,
    stop: async () => {
      if (exit) {
        return exit;
      }
      signalGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
        // Children that outlived the leader (none expected) go too.
        signalGroup(pid, "SIGKILL");
      }
    },
    logTail: (lines = 40) => tail(options.logFile, lines),
  };
  running.add(handle);
  return handle;
}

/** Stops every process still running (global teardown). Never throws. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((handle) => handle.stop().catch(() => undefined)));
}

/** Processes started and not yet exited. */
export function runningProcesses(): ProcessHandle[] {
  return [...running];
}

/** How a process ended, in words: "exit code 1" / "signal SIGKILL". */
export function describeExit(info: ExitInfo): string {
  return info.signal ? `signal ${info.signal}` : `exit code ${String(info.code)}`;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function tail(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, "utf8");
    return text
      .split("\n")
      .slice(-lines - 1)
      .join("\n");
  } catch {
    return "(no log)";
  }
}

// Last resort when the test runner exits without a teardown (crash, Ctrl-C after a failure).
process.on("exit", () => {
  for (const handle of running) {
    signalGroup(handle.pid, "SIGKILL");
  }
});
