/** Running declared command lines the way `local.Command` does: `/bin/sh -c <line>`, stdin piped. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  millis: number;
}

export interface RunOptions {
  stdin?: string;
  /** Added to this process's environment (PULUMI_COMMAND_* removed first). */
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a shell command line asynchronously (so in-process fake servers keep answering). */
export function runShell(line: string, opts: RunOptions = {}): Promise<RunResult> {
  return runArgv(["/bin/sh", "-c", line], opts);
}

export function runArgv(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("PULUMI_COMMAND_")) env[k] = v;
  }
  Object.assign(env, opts.env ?? {});
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, millis: Date.now() - started });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.stdin ?? "");
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `eqmd-matrix-${prefix}-`));
}

/**
 * Writes a fake `docker` (Python) into `dir`: `docker [compose] exec [-i|-T] [-e NAME]… CTR argv…`
 * runs argv with a bare environment (PATH, HOME, LANG) plus only the variables named with -e,
 * like a container would see, and appends its own argv as one JSON line to `<dir>/docker.log`.
 * `-e NAME=VALUE` is refused, so a test fails if a value ever reaches argv.
 */
export function writeFakeDocker(dir: string): string {
  const file = path.join(dir, "docker");
  fs.writeFileSync(
    file,
    `#!/usr/bin/env python3
import json, os, subprocess, sys
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "docker.log"), "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
args = sys.argv[1:]
if args[:1] == ["compose"]:
    args = args[1:]
if args[:1] != ["exec"]:
    sys.exit("fake docker: only 'exec' is supported")
args = args[1:]
names = []
while args and args[0].startswith("-"):
    flag = args.pop(0)
    if flag in ("-i", "-T"):
        continue
    if flag == "-e":
        name = args.pop(0)
        if "=" in name:
            sys.exit("fake docker: refusing -e NAME=VALUE (a value in argv)")
        names.append(name)
        continue
    sys.exit("fake docker: unexpected flag " + flag)
container = args.pop(0)
env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
for name in names:
    if name in os.environ:
        env[name] = os.environ[name]
env["FAKE_CONTAINER"] = container
sys.exit(subprocess.call(args, env=env))
`,
    { mode: 0o755 },
  );
  return file;
}

/** The argv lists the fake docker was called with. */
export function fakeDockerCalls(dir: string): string[][] {
  const log = path.join(dir, "docker.log");
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as string[]);
}
