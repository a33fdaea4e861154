/**
 * The real Pulumi toolchain built by testbed/setup/pulumi-toolchain.sh (CLI, language host and
 * provider plugins from Go modules), as the environment the end-to-end tests run it with.
 * Running the script is cheap once its cache is complete; a missing toolchain builds it.
 */
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { REPO_ROOT } from "../../contract/support/paths";
import { runCommand } from "../../contract/support/run";

export interface Toolchain {
  /** The cache folder holding bin/pulumi, bin/pulumi-language-nodejs and home/. */
  readonly root: string;
  /** PATH, PULUMI_HOME and the switches that keep the engine offline. */
  readonly env: Readonly<Record<string, string>>;
  readonly pulumi: PulumiCommand;
}

let cached: Promise<Toolchain> | undefined;

export function toolchain(): Promise<Toolchain> {
  cached ??= load();
  return cached;
}

async function load(): Promise<Toolchain> {
  const script = path.join(REPO_ROOT, "testbed", "setup", "pulumi-toolchain.sh");
  const result = await runCommand(["bash", script, "--print-env"], { timeoutMs: 90 * 60_000 });
  const env = parseExports(result.stdout, process.env.PATH ?? "");
  const root = env.EQMD_PULUMI_TOOLCHAIN;
  if (!root) throw new Error(`${script} printed no EQMD_PULUMI_TOOLCHAIN:\n${result.stdout}`);
  const pulumi = await PulumiCommand.get({ root, skipVersionCheck: false });
  return { root, env, pulumi };
}

/** `export NAME="value"` lines, with a literal `$PATH` standing for the current PATH. */
export function parseExports(text: string, currentPath: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^export ([A-Z_][A-Z0-9_]*)="(.*)"$/.exec(line.trim());
    if (match) env[match[1]] = match[2].replace("$PATH", currentPath);
  }
  return env;
}
