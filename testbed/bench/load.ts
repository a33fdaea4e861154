/**
 * Synapse under load, one process against workers, on this machine: a script, not a test.
 *
 *   npm run bench:load -- [--users 50,200] [--duration-s 45] [--rounds 1] [--modes single,workers]
 *                         [--workers '{"sync":1,"client":1,"media":true,"background":true}']
 *
 * Brings up two stacks of its own beside anything else on the engine (Pulumi.dev.yaml with the
 * e2e tier's stand-in images; dev-* names because the managed PostgreSQL is for dev stacks only):
 *   dev-load-single   prefix eqmd_loads, 127.0.0.1:28108 (Synapse), :28180, :55633
 *   dev-load-workers  prefix eqmd_loadw, 127.0.0.1:28208 (the router), :28280, :55733, plus
 *                     synapse.workers (--workers) and the Redis and nginx stand-ins
 * each on a state folder of its own, so it needs no e2e lock; loopback only. On each it makes
 * max(K) users and, for each K, R public rooms (user i in room i mod R) through the admin API.
 * Then phases ALTERNATE between the stacks (single K1, workers K1, single K2, workers K2, and
 * again per round): K users each send one message every 1/rate s and long-poll /sync; after a
 * warm-up, a fixed window is measured (sends started in it, their deliveries to every other
 * member's /sync, CPU and memory of the stack's containers from the engine). Prints a row per
 * phase, then the table and the workers/single ratios. Everything is bounded: each phase's
 * window is at most two minutes, each request has a timeout, the run stops after --budget-min;
 * both stacks and their volumes are removed at the end.
 */
import { parseArgs } from "node:util";
import { DEV_STACK_FILE, DevStack, openE2eStack } from "../../tests/e2e/support/devStack";
import { removeLeftovers } from "../../tests/e2e/support/docker";
import { Difference, withDifferences } from "../../tests/e2e/support/stackConfig";
import { DEV_E2E_DIFFERENCES } from "../../tests/e2e/differences";
import { NGINX_IMAGE, REDIS_IMAGE } from "../../tests/e2e/support/images";
import { LoadUser, makeRooms, makeUsers, MatrixClient, Rooms, runPhase } from "./loadClient";
import { runningContainers, watchContainers } from "./loadEngine";
import { ContainerUse, formatRatios, formatTable, Mode, PhaseRow } from "./loadStats";

interface StackPlan {
  readonly mode: Mode;
  readonly name: string;
  readonly prefix: string;
  readonly synapsePort: number;
  readonly elementPort: number;
  readonly postgresPort: number;
}

/** The workers layout unless --workers says another: one worker of each kind the router serves. */
const DEFAULT_WORKERS = '{"sync":1,"client":1,"media":true,"background":true}';

/**
 * The workers stack's keys: synapse.workers and the stand-ins of Redis and the router. No
 * synapse.metrics on either stack: the two differ only in worker mode.
 */
function workersKeys(layout: unknown): Difference[] {
  return [
    { key: "synapse.workers", value: layout },
    { key: "redis.image", value: REDIS_IMAGE },
    { key: "router.image", value: NGINX_IMAGE },
  ];
}

const PLANS: Record<Mode, StackPlan> = {
  single: {
    mode: "single",
    name: "dev-load-single",
    prefix: "eqmd_loads",
    synapsePort: 28108,
    elementPort: 28180,
    postgresPort: 55633,
  },
  workers: {
    mode: "workers",
    name: "dev-load-workers",
    prefix: "eqmd_loadw",
    synapsePort: 28208,
    elementPort: 28280,
    postgresPort: 55733,
  },
};

/** The dev-e2e differences with the plan's own names and ports; the workers stack's keys on it. */
function stackConfig(plan: StackPlan, workers: unknown): Record<string, unknown> {
  const own: Record<string, string | number> = {
    containerPrefix: plan.prefix,
    "network.name": `${plan.prefix}_net`,
    "synapse.port": `127.0.0.1:${plan.synapsePort}`,
    publicBaseUrl: `http://localhost:${plan.synapsePort}/`,
    "element.port": `127.0.0.1:${plan.elementPort}`,
    "postgres.port": plan.postgresPort,
  };
  return withDifferences(DEV_STACK_FILE, [
    ...DEV_E2E_DIFFERENCES.map((d) => ({ key: d.key, value: own[d.key] ?? d.value })),
    ...(plan.mode === "workers" ? workersKeys(workers) : []),
  ]);
}

interface Options {
  readonly users: readonly number[];
  readonly rooms: number;
  readonly rate: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly drainMs: number;
  readonly rounds: number;
  readonly modes: readonly Mode[];
  /** synapse.workers of the workers stack. */
  readonly workers: unknown;
  readonly deadline: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      users: { type: "string", default: "50,200" },
      rooms: { type: "string", default: "5" },
      rate: { type: "string", default: "0.2" },
      "warmup-s": { type: "string", default: "10" },
      "duration-s": { type: "string", default: "45" },
      "drain-s": { type: "string", default: "10" },
      rounds: { type: "string", default: "1" },
      modes: { type: "string", default: "single,workers" },
      workers: { type: "string", default: DEFAULT_WORKERS },
      "budget-min": { type: "string", default: "30" },
    },
  });
  const ints = (s: string): number[] => s.split(",").map(Number);
  const o: Options = {
    users: ints(values.users),
    rooms: Number(values.rooms),
    rate: Number(values.rate),
    warmupMs: Number(values["warmup-s"]) * 1000,
    measureMs: Number(values["duration-s"]) * 1000,
    drainMs: Number(values["drain-s"]) * 1000,
    rounds: Number(values.rounds),
    modes: values.modes.split(",") as Mode[],
    workers: parseLayout(values.workers),
    deadline: Date.now() + Number(values["budget-min"]) * 60_000,
  };
  const bad = (what: string): never => {
    throw new Error(`${what} (see the usage at the top of testbed/bench/load.ts)`);
  };
  if (o.users.some((k) => !Number.isInteger(k) || k < 2 || k > 500))
    bad("--users: integers from 2 to 500, comma-separated");
  if (!Number.isInteger(o.rooms) || o.rooms < 1 || o.users.some((k) => k < 2 * o.rooms))
    bad("--rooms: a positive integer, at most half of the smallest --users (two users a room at least)");
  if (!(o.rate > 0 && o.rate <= 5)) bad("--rate: messages per second per user, above 0 and at most 5");
  if (!(o.measureMs >= 5_000 && o.measureMs <= 120_000)) bad("--duration-s: from 5 to 120 (the window of each phase)");
  if (!(o.warmupMs >= 0 && o.warmupMs <= 60_000)) bad("--warmup-s: from 0 to 60");
  if (!(o.drainMs >= 0 && o.drainMs <= 30_000)) bad("--drain-s: from 0 to 30");
  if (!Number.isInteger(o.rounds) || o.rounds < 1 || o.rounds > 5) bad("--rounds: from 1 to 5");
  if (o.modes.length === 0 || o.modes.some((m) => m !== "single" && m !== "workers"))
    bad("--modes: single, workers or both, comma-separated");
  return o;
}

/** --workers as JSON; its keys and bounds are the program's to check (at the workers stack's up). */
function parseLayout(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`--workers: a synapse.workers value as JSON, such as ${DEFAULT_WORKERS}; got ${text}`);
  }
}

interface Target {
  readonly plan: StackPlan;
  readonly stack: DevStack;
  readonly client: MatrixClient;
  readonly users: readonly LoadUser[];
  /** Per K: its rooms (made once, used by every round of that K). */
  readonly rooms: ReadonlyMap<number, Rooms>;
}

async function open(plan: StackPlan, o: Options): Promise<{ plan: StackPlan; stack: DevStack }> {
  const removed = await removeLeftovers(plan.prefix);
  if (removed.length > 0) console.log(`${plan.name}: removed what an earlier run left: ${removed.join(", ")}`);
  return { plan, stack: await openE2eStack(plan.name, stackConfig(plan, o.workers)) };
}

async function bringUp({ plan, stack }: { plan: StackPlan; stack: DevStack }, o: Options): Promise<Target> {
  const started = Date.now();
  await stack.stack.up({ onOutput: () => undefined });
  const outputs = await stack.stack.outputs();
  const adminToken = String(outputs["synapseAdminToken"]?.value);
  const adminUserId = String(outputs["synapseAdminUserId"]?.value);
  const client = new MatrixClient(`http://127.0.0.1:${plan.synapsePort}`);
  const users = await makeUsers(client, adminToken, adminUserId, Math.max(...o.users));
  const rooms = new Map<number, Rooms>();
  for (const k of new Set(o.users))
    rooms.set(k, await makeRooms(client, adminToken, users.slice(0, k), o.rooms, `K=${k}`));
  const containers = await runningContainers(plan.prefix);
  console.log(
    `${plan.name}: up with ${users.length} users in ${((Date.now() - started) / 1000).toFixed(0)} s; containers: ${containers.join(", ")}`,
  );
  return { plan, stack, client, users, rooms };
}

async function tearDown(target: { plan: StackPlan; stack: DevStack }): Promise<void> {
  await target.stack.stack.destroy({ onOutput: () => undefined, continueOnError: true }).catch((err: unknown) => {
    console.error(`${target.plan.name}: destroy failed (${String(err)}); removing its containers directly`);
  });
  target.stack.dispose();
  // Only what this run made: every container, network and volume named eqmd_load{s,w}_…
  await removeLeftovers(target.plan.prefix);
}

async function phase(
  target: Target,
  neighbours: readonly Target[],
  k: number,
  round: number,
  o: Options,
): Promise<PhaseRow> {
  const names = await runningContainers(target.plan.prefix);
  const others = (await Promise.all(neighbours.map((n) => runningContainers(n.plan.prefix)))).flat();
  let watch: Awaited<ReturnType<typeof watchContainers>> | undefined;
  let otherWatch: Awaited<ReturnType<typeof watchContainers>> | undefined;
  let containers: ContainerUse[] = [];
  let neighbourCpuPct = NaN;
  let cpuStart = process.cpuUsage();
  let windowStart = 0;
  let clientCpuPct = NaN;
  const counts = await runPhase(target.client, {
    label: `${target.plan.mode[0]}${k}r${round}`,
    users: target.users.slice(0, k),
    rooms: target.rooms.get(k) as Rooms,
    rate: o.rate,
    warmupMs: o.warmupMs,
    measureMs: o.measureMs,
    drainMs: o.drainMs,
    onWindowStart: async () => {
      [watch, otherWatch] = await Promise.all([watchContainers(names), watchContainers(others, 60_000)]);
      cpuStart = process.cpuUsage();
      windowStart = Date.now();
    },
    onWindowEnd: async () => {
      const used = process.cpuUsage(cpuStart);
      clientCpuPct = (100 * (used.user + used.system)) / 1000 / Math.max(1, Date.now() - windowStart);
      containers = (await watch?.stop()) ?? [];
      const other = (await otherWatch?.stop()) ?? [];
      neighbourCpuPct = other.length === 0 ? NaN : other.reduce((sum, c) => sum + c.cpuPct, 0);
    },
  });
  return { mode: target.plan.mode, users: k, round, counts, containers, clientCpuPct, neighbourCpuPct };
}

async function main(): Promise<void> {
  const o = options();
  const targets: Target[] = [];
  const opened: { plan: StackPlan; stack: DevStack }[] = [];
  const rows: PhaseRow[] = [];
  const short = (name: string): string => name.replace(/^eqmd_load[sw]_(matrix_)?/, "");
  try {
    for (const mode of o.modes) {
      const stack = await open(PLANS[mode], o);
      opened.push(stack);
      targets.push(await bringUp(stack, o));
    }
    console.log(
      `\nphases: K in ${o.users.join(", ")}, ${o.rooms} rooms, ${o.rate} msg/s per user, ` +
        `warm-up ${o.warmupMs / 1000} s, window ${o.measureMs / 1000} s, ${o.rounds} round(s), alternating ${o.modes.join("/")}`,
    );
    plan: for (let round = 1; round <= o.rounds; round++) {
      for (const k of o.users) {
        for (const target of targets) {
          if (Date.now() > o.deadline) {
            console.log(`budget spent: stopping before ${target.plan.mode} K=${k} round ${round}`);
            break plan;
          }
          const row = await phase(
            target,
            targets.filter((t) => t !== target),
            k,
            round,
            o,
          );
          rows.push(row);
          console.log(formatTable([row], short).split("\n")[1]);
        }
      }
    }
  } finally {
    for (const target of opened) await tearDown(target);
  }
  console.log(`\n${formatTable(rows, short)}\n\nworkers ÷ single (mean over rounds):\n${formatRatios(rows)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
