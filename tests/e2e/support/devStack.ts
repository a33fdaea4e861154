/**
 * The `dev-e2e` stack: Pulumi.dev.yaml plus only the listed differences (../differences.ts),
 * run by the real CLI from the repository itself (so `npm run reset` finds it as a user
 * would), with a file state backend in a temporary folder.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { stringify } from "yaml";
import { REPO_ROOT } from "../../contract/support/paths";
import { runCommand, RunResult } from "../../contract/support/run";
import { DEV_E2E_DIFFERENCES, E2E_PREFIX } from "../differences";
import { WORKERS_E2E_DIFFERENCES } from "../workersDifferences";
import { removeLeftovers } from "./docker";
import { withDifferences } from "./stackConfig";
import { toolchain } from "./toolchain";

export const DEV_E2E_STACK = "dev-e2e";
export const DEV_STACK_FILE = path.join(REPO_ROOT, "Pulumi.dev.yaml");
export const DEV_E2E_STACK_FILE = path.join(REPO_ROOT, `Pulumi.${DEV_E2E_STACK}.yaml`);

/** Pulumi.dev.yaml's config with each listed difference set at its path. */
export function devE2eConfig(): Record<string, unknown> {
  return withDifferences(DEV_STACK_FILE, DEV_E2E_DIFFERENCES);
}

export interface DevStack {
  readonly stack: Stack;
  /** The environment every CLI run gets: toolchain, backend, passphrase. */
  readonly env: Readonly<Record<string, string>>;
  readonly stateDir: string;
  readonly name: string;
  /** `pulumi <args> --stack <name>` from the repository; its stdout (fails on an error). */
  cli(args: readonly string[]): Promise<string>;
  /**
   * `pulumi up --refresh --yes --skip-preview` from the CLI, sent SIGINT (as ^C) once its
   * output matches `when`; resolves when it has exited, with its exit code and output.
   */
  interruptedUp(when: RegExp): Promise<{ code: number | null; output: string }>;
  /** `npm run <script> -- <args>` from the repository, as a user types it. */
  npm(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** Removes the stack file and the state folder. */
  dispose(): void;
}

export function openDevStack(): Promise<DevStack> {
  return openE2eStack(DEV_E2E_STACK, devE2eConfig());
}

/** openDevStack after removing what an interrupted earlier run of the tier left on the engine. */
export async function openCleanDevStack(): Promise<DevStack> {
  const removed = await removeLeftovers(E2E_PREFIX);
  if (removed.length > 0) console.log(`removed what an interrupted earlier run left: ${removed.join(", ")}`);
  return openDevStack();
}

/**
 * Writes Pulumi.<name>.yaml from `config` and opens the stack on a fresh file backend, run by
 * the real CLI from the repository (so `npm run reset` finds it as a user would).
 */
export async function openE2eStack(name: string, config: Record<string, unknown>): Promise<DevStack> {
  const tools = await toolchain();
  const stackFile = path.join(REPO_ROOT, `Pulumi.${name}.yaml`);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `eqmd-${name}-state-`));
  const env = {
    ...tools.env,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "",
  };
  fs.writeFileSync(stackFile, stringify({ config }));
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: name, workDir: REPO_ROOT },
    { pulumiCommand: tools.pulumi, envVars: env },
  );
  return {
    stack,
    name,
    env,
    stateDir,
    cli: async (args) =>
      (
        await runCommand([path.join(tools.root, "bin", "pulumi"), ...args, "--stack", name], {
          cwd: REPO_ROOT,
          env,
          timeoutMs: 10 * 60_000,
        })
      ).stdout,
    interruptedUp: (when) =>
      new Promise((resolve, reject) => {
        const args = ["up", "--refresh", "--yes", "--skip-preview", "--stack", name];
        const child = spawn(path.join(tools.root, "bin", "pulumi"), args, {
          cwd: REPO_ROOT,
          env: { ...process.env, ...env },
        });
        let output = "";
        let sent = false;
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          if (!sent && when.test(output)) {
            sent = true;
            child.kill("SIGINT");
          }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        const timer = setTimeout(() => child.kill("SIGKILL"), 10 * 60_000);
        child.once("error", reject);
        child.once("close", (code) => {
          clearTimeout(timer);
          if (!sent) reject(new Error(`up finished before its output matched ${String(when)}:\n${output}`));
          else resolve({ code, output });
        });
      }),
    npm: (args, timeoutMs = 20 * 60_000) =>
      runCommand(["npm", "run", "--silent", ...args], { cwd: REPO_ROOT, env, timeoutMs, allowFailure: true }),
    dispose: () => {
      fs.rmSync(stackFile, { force: true });
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** dev-e2e's config plus the workers stack's differences (../workersDifferences.ts). */
export function workersE2eConfig(): Record<string, unknown> {
  const base = path.join(os.tmpdir(), `eqmd-workers-base-${process.pid}.yaml`);
  fs.writeFileSync(base, stringify({ config: devE2eConfig() }));
  try {
    return withDifferences(base, WORKERS_E2E_DIFFERENCES);
  } finally {
    fs.rmSync(base, { force: true });
  }
}
