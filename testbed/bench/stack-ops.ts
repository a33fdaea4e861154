/**
 * The everyday operations' wall times, to see that a change made none of them slower: a
 * script, not a test.
 *
 *   npx tsx testbed/bench/stack-ops.ts [--rounds 3] [--repos <checkout>,<checkout>] [--budget-min 30]
 *
 * For each round and each checkout (default: this one; two alternate, e.g. main's and a
 * branch's, each with its node_modules): `up` from an empty state, a no-op `preview`, a no-op
 * `up`, then `destroy`, on a stack of its own (`dev-obench`: Pulumi.dev.yaml with the e2e
 * tier's stand-in images, prefix eqmd_obench, 127.0.0.1:29308/29380/55736) with a state folder
 * of its own; loopback only; everything it made is removed at the end. Prints one row per run
 * and the medians per checkout.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { DEV_STACK_FILE } from "../../tests/e2e/support/devStack";
import { docker, removeLeftovers } from "../../tests/e2e/support/docker";
import { withDifferences } from "../../tests/e2e/support/stackConfig";
import { toolchain } from "../../tests/e2e/support/toolchain";
import { DEV_E2E_DIFFERENCES } from "../../tests/e2e/differences";
import { resourceNames } from "../../config/names";

const STACK = "dev-obench";
const PREFIX = "eqmd_obench";
const OPS = ["up from empty", "no-op preview", "no-op up", "destroy"] as const;
type Op = (typeof OPS)[number];

function config(): Record<string, unknown> {
  const own: Record<string, string | number> = {
    containerPrefix: PREFIX,
    "network.name": `${PREFIX}_net`,
    "synapse.port": "127.0.0.1:29308",
    publicBaseUrl: "http://localhost:29308/",
    "element.port": "127.0.0.1:29380",
    "postgres.port": 55736,
  };
  return withDifferences(
    DEV_STACK_FILE,
    DEV_E2E_DIFFERENCES.map((d) => ({ key: d.key, value: own[d.key] ?? d.value })),
  );
}

async function openStack(repo: string, stateDir: string): Promise<Stack> {
  const tools = await toolchain();
  fs.writeFileSync(path.join(repo, `Pulumi.${STACK}.yaml`), stringify({ config: config() }));
  return LocalWorkspace.createOrSelectStack(
    { stackName: STACK, workDir: repo },
    {
      pulumiCommand: tools.pulumi,
      envVars: { ...tools.env, PULUMI_BACKEND_URL: `file://${stateDir}`, PULUMI_CONFIG_PASSPHRASE: "" },
    },
  );
}

async function timeMs(body: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await body();
  return Date.now() - started;
}

async function round(repo: string): Promise<Record<Op, number>> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-obench-state-"));
  const quiet = { onOutput: () => undefined };
  try {
    const stack = await openStack(repo, stateDir);
    const up = await timeMs(() => stack.up(quiet));
    const preview = await timeMs(() => stack.preview({ ...quiet, expectNoChanges: true }));
    const noop = await timeMs(() => stack.up({ ...quiet, expectNoChanges: true }));
    const destroy = await timeMs(() => stack.destroy(quiet));
    return { "up from empty": up, "no-op preview": preview, "no-op up": noop, destroy };
  } finally {
    await docker(["volume", "rm", "-f", resourceNames(PREFIX).mediaVolume]).catch(() => undefined);
    await removeLeftovers(PREFIX);
    fs.rmSync(path.join(repo, `Pulumi.${STACK}.yaml`), { force: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "3" },
      repos: { type: "string", default: path.resolve(__dirname, "..", "..") },
      "budget-min": { type: "string", default: "30" },
    },
  });
  const repos = String(values.repos)
    .split(",")
    .map((r) => path.resolve(r));
  const rounds = Number(values.rounds);
  const deadline = Date.now() + Number(values["budget-min"]) * 60_000;
  await removeLeftovers(PREFIX);
  const rows: { repo: string; ms: Record<Op, number> }[] = [];
  const s = (ms: number): string => (ms / 1000).toFixed(2).padStart(8);
  console.log(`checkout | ${OPS.join(" | ")} (s)`);
  for (let r = 1; r <= rounds && Date.now() < deadline; r++) {
    for (const repo of repos) {
      const ms = await round(repo);
      rows.push({ repo, ms });
      console.log(`${repo} | ${OPS.map((op) => s(ms[op])).join(" | ")}`);
    }
  }
  for (const repo of repos) {
    const of = rows.filter((row) => row.repo === repo);
    console.log(
      `median ${repo} (${of.length} runs) | ${OPS.map((op) => s(median(of.map((row) => row.ms[op])))).join(" | ")}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);
