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
import { parse, stringify } from "yaml";
import { REPO_ROOT } from "../../contract/support/paths";
import { runCommand, RunResult } from "../../contract/support/run";
import { DEV_E2E_DIFFERENCES } from "../differences";
import { toolchain } from "./toolchain";

export const DEV_E2E_STACK = "dev-e2e";
export const DEV_STACK_FILE = path.join(REPO_ROOT, "Pulumi.dev.yaml");
export const DEV_E2E_STACK_FILE = path.join(REPO_ROOT, `Pulumi.${DEV_E2E_STACK}.yaml`);
const NAMESPACE = "eqmd-matrix";

/** Pulumi.dev.yaml's config with each listed difference set at its path. */
export function devE2eConfig(): Record<string, unknown> {
  const config = structuredClone(
    (parse(fs.readFileSync(DEV_STACK_FILE, "utf8")) as { config: Record<string, unknown> }).config,
  );
  for (const { key, value } of DEV_E2E_DIFFERENCES) {
    const [top, ...rest] = key.split(".");
    if (rest.length === 0) {
      config[`${NAMESPACE}:${top}`] = value;
      continue;
    }
    let node = (config[`${NAMESPACE}:${top}`] ??= {}) as Record<string, unknown>;
    for (const part of rest.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[rest[rest.length - 1]] = value;
  }
  return config;
}

export interface DevStack {
  readonly stack: Stack;
  /** The environment every CLI run gets: toolchain, backend, passphrase. */
  readonly env: Readonly<Record<string, string>>;
  readonly stateDir: string;
  /** `pulumi <args> --stack dev-e2e` from the repository; its stdout (fails on an error). */
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

export async function openDevStack(): Promise<DevStack> {
  const tools = await toolchain();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-dev-e2e-state-"));
  const env = {
    ...tools.env,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "",
  };
  fs.writeFileSync(DEV_E2E_STACK_FILE, stringify({ config: devE2eConfig() }));
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: DEV_E2E_STACK, workDir: REPO_ROOT },
    { pulumiCommand: tools.pulumi, envVars: env },
  );
  return {
    stack,
    env,
    stateDir,
    cli: async (args) =>
      (
        await runCommand([path.join(tools.root, "bin", "pulumi"), ...args, "--stack", DEV_E2E_STACK], {
          cwd: REPO_ROOT,
          env,
          timeoutMs: 10 * 60_000,
        })
      ).stdout,
    interruptedUp: (when) =>
      new Promise((resolve, reject) => {
        const args = ["up", "--refresh", "--yes", "--skip-preview", "--stack", DEV_E2E_STACK];
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
      fs.rmSync(DEV_E2E_STACK_FILE, { force: true });
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
