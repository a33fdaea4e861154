/** The real ResetDeps pieces: child processes, the terminal prompt, the disk, the clock. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as readline from "node:readline";
import { CommandResult, CommandSpec } from "./types";

/** Runs argv[0] with argv[1..] (no shell), env added to the inherited environment. */
export function runCommand(spec: CommandSpec): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [program, ...args] = spec.argv;
    if (program === undefined) {
      resolve({ exitCode: 127, stdout: "", stderr: "empty command" });
      return;
    }
    let fd: number | undefined;
    let inFd: number | undefined;
    try {
      if (spec.stdinFile !== undefined) inFd = openOrExplain(spec.stdinFile, "r", "read");
      if (spec.stdoutFile !== undefined) fd = openOrExplain(spec.stdoutFile, "w", "write");
    } catch (err) {
      if (inFd !== undefined) fs.closeSync(inFd);
      resolve({ exitCode: 1, stdout: "", stderr: (err as Error).message });
      return;
    }
    const closeFd = (): void => {
      if (fd !== undefined) fs.closeSync(fd);
      if (inFd !== undefined) fs.closeSync(inFd);
      fd = undefined;
      inFd = undefined;
    };
    let stdout = "";
    let stderr = "";
    const child = spawn(program, args, {
      env: { ...process.env, ...spec.env },
      stdio: [inFd ?? "ignore", fd ?? "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (err: NodeJS.ErrnoException) => {
      closeFd();
      resolve({ exitCode: err.code === "ENOENT" ? 127 : 1, stdout, stderr: `${stderr}${program}: ${err.message}` });
    });
    child.on("close", (code, signal) => {
      closeFd();
      resolve({ exitCode: code ?? 1, stdout, stderr: signal ? `${stderr}${program} killed by ${signal}` : stderr });
    });
  });
}

function openOrExplain(file: string, flags: "r" | "w", what: string): number {
  try {
    return fs.openSync(file, flags, 0o600);
  } catch (err) {
    throw new Error(`cannot ${what} ${file}: ${(err as Error).message}`);
  }
}

/** Reads one line from the terminal; undefined on end of input or Ctrl-C. */
export function prompt(question: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    let answered = false;
    rl.on("SIGINT", () => {
      process.stdout.write("\n");
      rl.close();
    });
    rl.on("close", () => {
      if (!answered) resolve(undefined);
    });
    rl.question(question, (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
  });
}

/**
 * Runs a command's `main` and sets the process exit code from it; an error `main` did not
 * expect is printed with its stack as `<name>: unexpected error: …` and exits 1.
 */
export function runEntry(name: string, main: (argv: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `${name}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
