/**
 * Runs the real program (index.ts) under Pulumi mocks in a child process and returns what it
 * declared. Used by the program tests, the policy tests and the contract tests (which take
 * files and commands from here instead of rendering them a second time).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RecordedResource, RecordRequest, RecordResult } from "./recordTypes";

export type { RecordedResource, RecordResult } from "./recordTypes";

const REPO = path.resolve(__dirname, "..", "..");

export interface ProgramRun extends RecordResult {
  /** The resource of that type whose name ends with `nameSuffix` (throws if not exactly one). */
  one(type: string, nameSuffix?: string): RecordedResource;
  all(type: string): RecordedResource[];
}

export interface RunOptions {
  /** Stack name (defaults to the file's: Pulumi.<stack>.yaml). */
  readonly stack?: string;
  readonly overrides?: Record<string, unknown>;
  readonly secrets?: Record<string, string>;
  /** Command resource name → real stdout (see RecordRequest.commandStdout). */
  readonly commandStdout?: Record<string, string>;
}

/** Evaluates the program for `stackFile` (e.g. "Pulumi.dev.yaml"); throws if it failed. */
export function runProgram(stackFile: string, options: RunOptions = {}): ProgramRun {
  const result = recordProgram(stackFile, options);
  if (result.error) throw new Error(`program failed for ${stackFile}: ${result.error}`);
  return withFinders(result);
}

/** Like runProgram but returns a failed evaluation instead of throwing (for config errors). */
export function recordProgram(stackFile: string, options: RunOptions = {}): RecordResult {
  const stack = options.stack ?? /Pulumi\.(.+)\.yaml$/.exec(stackFile)?.[1] ?? "test";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-matrix-record-"));
  try {
    const request: RecordRequest = {
      stackFile,
      stack,
      overrides: options.overrides ?? {},
      secrets: options.secrets ?? {},
      commandStdout: options.commandStdout ?? {},
    };
    fs.writeFileSync(path.join(dir, "request.json"), JSON.stringify(request));
    execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(__dirname, "recordProgram.ts"),
        path.join(dir, "request.json"),
        path.join(dir, "result.json"),
      ],
      { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] },
    );
    return JSON.parse(fs.readFileSync(path.join(dir, "result.json"), "utf8")) as RecordResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function withFinders(result: RecordResult): ProgramRun {
  const all = (type: string) => result.resources.filter((r) => r.type === type);
  return {
    ...result,
    all,
    one(type, nameSuffix) {
      const found = all(type).filter((r) => nameSuffix === undefined || r.name.endsWith(nameSuffix));
      if (found.length !== 1) {
        throw new Error(
          `expected one ${type}${nameSuffix ? ` named *${nameSuffix}` : ""}, found ${found.map((r) => r.name).join(", ") || "none"}`,
        );
      }
      return found[0];
    },
  };
}
