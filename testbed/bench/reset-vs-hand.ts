/**
 * `npm run reset` against eqmd's hand procedure, on the same engine, alternated: a script, not
 * a test.
 *
 *   npm run bench:reset [-- --rounds 4 --budget-min 30]
 *
 * Two Matrix sides of their own, beside anything else on the engine (no e2e lock needed,
 * loopback only, both removed at the end):
 * - the stack `dev-rbench`: Pulumi.dev.yaml with the e2e tier's stand-in images and names and
 *   ports of its own (prefix eqmd_rbench, 127.0.0.1:29108/29180/55734; a dev-* name because the
 *   managed PostgreSQL is for dev stacks only), on a state folder of its own;
 * - the hand install, prefix eqmd_hbench (127.0.0.1:29208/29280/55735): eqmd's PostgreSQL 15
 *   with the matrix_user role, an "eqmd-dev" container to run the config generator in, the
 *   `matrix/` and `element/` folders, Synapse and Element as eqmd's compose runs them, with the
 *   same images (so the same Synapse version) as the stack. hand-reset.sh is the procedure.
 *
 * Each round runs the hand procedure, then `npm run reset -- --stack dev-rbench --yes` (the
 * command an operator types, through npm). Per run: wall time, Synapse's starts, its own start
 * (start event → first 200 on /health), the ratio (wall − own start) / own start, Matrix's
 * downtime (first stop → first 200 after the last start), from `docker events` and a host poll
 * of /health every 50 ms; for the reset also its own phase table and when Synapse stopped.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { resourceNames } from "../../config/names";
import { renderSigningKey } from "../../render/signingKey";
import { DEV_STACK_FILE, openE2eStack } from "../../tests/e2e/support/devStack";
import { docker, removeLeftovers } from "../../tests/e2e/support/docker";
import { ELEMENT_IMAGE, POSTGRES_IMAGE, SYNAPSE_IMAGE } from "../../tests/e2e/support/images";
import { MatrixFigures, startRatio, watchMatrix } from "../../tests/e2e/support/matrixWatch";
import { withDifferences } from "../../tests/e2e/support/stackConfig";
import { DEV_E2E_DIFFERENCES } from "../../tests/e2e/differences";

const RESET_STACK = "dev-rbench";
const RESET_PREFIX = "eqmd_rbench";
const RESET_SYNAPSE_PORT = 29108;
const HAND_PREFIX = "eqmd_hbench";
const HAND_SYNAPSE_PORT = 29208;
const HAND_ELEMENT_PORT = 29280;
const HAND_POSTGRES_PORT = 55735;
const HAND = {
  synapse: `${HAND_PREFIX}_matrix_synapse`,
  element: `${HAND_PREFIX}_element_web`,
  postgres: `${HAND_PREFIX}_postgres`,
  dev: `${HAND_PREFIX}_app`,
  network: `${HAND_PREFIX}_net`,
  media: `${HAND_PREFIX}_matrix_media_store`,
  pgData: `${HAND_PREFIX}_postgres_data`,
};
const HAND_SCRIPT = path.join(__dirname, "hand-reset.sh");

/** The dev-e2e differences with the bench's own names and ports. */
function resetStackConfig(): Record<string, unknown> {
  const own: Record<string, string | number> = {
    containerPrefix: RESET_PREFIX,
    "network.name": `${RESET_PREFIX}_net`,
    "synapse.port": `127.0.0.1:${RESET_SYNAPSE_PORT}`,
    publicBaseUrl: `http://localhost:${RESET_SYNAPSE_PORT}/`,
    "element.port": "127.0.0.1:29180",
    "postgres.port": 55734,
  };
  return withDifferences(
    DEV_STACK_FILE,
    DEV_E2E_DIFFERENCES.map((d) => ({ key: d.key, value: own[d.key] ?? d.value })),
  );
}

interface Run {
  readonly kind: "hand" | "reset";
  readonly wallMs: number;
  readonly matrix: MatrixFigures;
  /** The reset's own phase table, phase → text ("1.2s"). */
  readonly phases?: Readonly<Record<string, string>>;
  /** ms from the command's start to its first line (npm and tsx before the reset's own code). */
  readonly firstLineMs?: number;
  /** ms from the command's start to Synapse's first stop. */
  readonly stoppedAfterMs?: number;
}

/** Runs a command, timing it, with the time of its first stdout line. */
function timed(
  argv: readonly string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; wallMs: number; firstLineMs?: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let firstLineMs: number | undefined;
    let stdout = "";
    let stderr = "";
    const child = spawn(argv[0] ?? "", argv.slice(1), { cwd, env: { ...process.env, ...env }, detached: true });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (firstLineMs === undefined) firstLineMs = Date.now() - started;
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, "SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout,
        stderr,
        wallMs: Date.now() - started,
        ...(firstLineMs !== undefined ? { firstLineMs } : {}),
      });
    });
  });
}

/** The eqmd checkout stand-in: .env, the homeserver template and generator, element config. */
function writeHandCheckout(dir: string, databasePassword: string, pgPassword: string): void {
  fs.mkdirSync(path.join(dir, "matrix"), { recursive: true });
  fs.mkdirSync(path.join(dir, "element"), { recursive: true });
  fs.mkdirSync(path.join(dir, "scripts"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, ".env"),
    [
      `CONTAINER_PREFIX=${HAND_PREFIX}`,
      "POSTGRES_USER=eqmd_user",
      `POSTGRES_PASSWORD=${pgPassword}`,
      "MATRIX_FQDN=localhost",
      `MATRIX_PUBLIC_BASEURL=http://localhost:${HAND_SYNAPSE_PORT}/`,
      `MATRIX_DATABASE_PASSWORD=${databasePassword}`,
      "SYNAPSE_ADMIN_TOKEN=",
      "",
    ].join("\n"),
  );
  // eqmd's template, reduced to what the dev stack also runs (no OIDC, password login on);
  // without registration_shared_secret, as eqmd's is (eqmd-facts A3): step 6 adds it by hand.
  fs.writeFileSync(
    path.join(dir, "matrix", "homeserver.yaml.template"),
    `server_name: "\${MATRIX_FQDN}"
pid_file: /data/homeserver.pid
public_baseurl: "\${MATRIX_PUBLIC_BASEURL}"
listeners:
  - port: 8008
    tls: false
    type: http
    x_forwarded: true
    resources:
      - names: [client]
        compress: false
database:
  name: psycopg2
  args:
    user: matrix_user
    password: "\${MATRIX_DATABASE_PASSWORD}"
    database: matrix_db
    host: postgres
    port: 5432
    cp_min: 5
    cp_max: 10
media_store_path: /data/media_store
enable_registration: false
report_stats: false
signing_key_path: /data/signing.key
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
password_config:
  enabled: true
`,
  );
  // The generator (eqmd's scripts/generate_matrix_configs.py renders its templates from .env).
  fs.writeFileSync(
    path.join(dir, "scripts", "generate_matrix_configs.py"),
    `import string
env = dict(l.rstrip("\\n").split("=", 1) for l in open(".env") if "=" in l and not l.startswith("#"))
text = open("matrix/homeserver.yaml.template").read()
open("matrix/homeserver.yaml", "w").write(string.Template(text).substitute(env))
`,
  );
  fs.writeFileSync(
    path.join(dir, "matrix", "signing.key"),
    renderSigningKey("a_hand", randomBytes(32).toString("base64")),
  );
  fs.writeFileSync(
    path.join(dir, "element", "config.json"),
    JSON.stringify({
      default_server_config: { "m.homeserver": { base_url: `http://localhost:${HAND_SYNAPSE_PORT}/` } },
    }),
  );
  for (const f of ["matrix", "matrix/signing.key"]) fs.chownSync(path.join(dir, f), 1001, 1001);
}

function handEnv(dir: string): Record<string, string> {
  return {
    HB_DIR: dir,
    HB_SYNAPSE: HAND.synapse,
    HB_ELEMENT: HAND.element,
    HB_POSTGRES: HAND.postgres,
    HB_DEV: HAND.dev,
    HB_NETWORK: HAND.network,
    HB_MEDIA: HAND.media,
    HB_SYNAPSE_IMAGE: SYNAPSE_IMAGE,
    HB_ELEMENT_IMAGE: ELEMENT_IMAGE,
    HB_SYNAPSE_PORT: String(HAND_SYNAPSE_PORT),
    HB_ELEMENT_PORT: String(HAND_ELEMENT_PORT),
  };
}

/** eqmd's side before the first hand reset: network, PostgreSQL with matrix_user, eqmd-dev, media. */
async function setUpHand(dir: string): Promise<void> {
  const pgPassword = randomBytes(12).toString("hex");
  const databasePassword = randomBytes(12).toString("hex");
  writeHandCheckout(dir, databasePassword, pgPassword);
  await docker(["network", "create", HAND.network]);
  await docker([
    "run",
    "-d",
    "--name",
    HAND.postgres,
    "--network",
    HAND.network,
    "--network-alias",
    "postgres",
    "-e",
    "POSTGRES_USER=eqmd_user",
    "-e",
    `POSTGRES_PASSWORD=${pgPassword}`,
    "-e",
    "POSTGRES_DB=eqmd_db",
    "-p",
    `127.0.0.1:${HAND_POSTGRES_PORT}:5432`,
    "-v",
    `${HAND.pgData}:/var/lib/postgresql/data`,
    POSTGRES_IMAGE,
  ]);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ok = await docker([
      "exec",
      HAND.postgres,
      "pg_isready",
      "-q",
      "-U",
      "eqmd_user",
      "-d",
      "eqmd_db",
      "-h",
      "127.0.0.1",
    ])
      .then(() => true)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error("the hand install's PostgreSQL did not become ready in 120 s");
    await new Promise((r) => setTimeout(r, 300));
  }
  // bootstrap_matrix_db.py's role, as eqmd's first install leaves it (it survives DROP DATABASE).
  await docker([
    "exec",
    HAND.postgres,
    "psql",
    "-q",
    "-U",
    "eqmd_user",
    "-d",
    "postgres",
    "-c",
    `CREATE ROLE matrix_user LOGIN PASSWORD '${databasePassword}';`,
  ]);
  await docker(["volume", "create", HAND.media]);
  await docker(["run", "--rm", "-v", `${HAND.media}:/m`, "--entrypoint", "chown", SYNAPSE_IMAGE, "1001:1001", "/m"]);
  // The "eqmd-dev" container the generator runs in: any image with Python, the checkout at /app.
  await docker([
    "run",
    "-d",
    "--name",
    HAND.dev,
    "--network",
    HAND.network,
    "-v",
    `${dir}:/app`,
    "-w",
    "/app",
    "--entrypoint",
    "sleep",
    SYNAPSE_IMAGE,
    "infinity",
  ]);
  // Synapse and Element as a first install left them (so step 1 has something to stop).
  await docker(["run", "-d", "--name", HAND.synapse, "--entrypoint", "sleep", SYNAPSE_IMAGE, "infinity"]);
  await docker(["run", "-d", "--name", HAND.element, "--entrypoint", "sleep", SYNAPSE_IMAGE, "infinity"]);
}

async function handRun(dir: string): Promise<Run> {
  const watch = await watchMatrix(HAND.synapse, `http://127.0.0.1:${HAND_SYNAPSE_PORT}/health`);
  const started = Date.now();
  const r = await timed(["bash", HAND_SCRIPT], handEnv(dir), dir, 5 * 60_000);
  const matrix = await watch.stop();
  if (r.code !== 0) throw new Error(`the hand procedure exited ${String(r.code)}:\n${r.stdout}\n${r.stderr}`);
  return { kind: "hand", wallMs: r.wallMs, matrix, ...stoppedAfter(matrix, started) };
}

async function resetRun(env: Record<string, string>, repo: string): Promise<Run> {
  const names = resourceNames(RESET_PREFIX);
  const watch = await watchMatrix(names.synapseContainer, `http://127.0.0.1:${RESET_SYNAPSE_PORT}/health`);
  const started = Date.now();
  const r = await timed(
    ["npm", "run", "--silent", "reset", "--", "--stack", RESET_STACK, "--yes"],
    env,
    repo,
    10 * 60_000,
  );
  const matrix = await watch.stop();
  if (r.code !== 0) throw new Error(`npm run reset exited ${String(r.code)}:\n${r.stdout}\n${r.stderr}`);
  const summary = r.stdout.slice(r.stdout.lastIndexOf("Summary (stack"));
  const phases = Object.fromEntries([...summary.matchAll(/^ {2}(\w+) +(\S+)/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]));
  return {
    kind: "reset",
    wallMs: r.wallMs,
    matrix,
    phases,
    ...stoppedAfter(matrix, started),
    ...(r.firstLineMs !== undefined ? { firstLineMs: r.firstLineMs } : {}),
  };
}

function stoppedAfter(matrix: MatrixFigures, started: number): { stoppedAfterMs?: number } {
  return matrix.firstStopAt === undefined ? {} : { stoppedAfterMs: matrix.firstStopAt - started };
}

const s = (ms: number | undefined): string => (ms === undefined ? "-" : (ms / 1000).toFixed(2));

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function row(run: Run, round: number | string): string {
  const ratio = startRatio(run.wallMs, run.matrix);
  return [
    String(round).padEnd(6),
    run.kind.padEnd(5),
    s(run.wallMs).padStart(6),
    String(run.matrix.starts).padStart(6),
    s(run.matrix.ownStartMs).padStart(9),
    (ratio === undefined ? "-" : ratio.toFixed(2)).padStart(6),
    s(run.matrix.downtimeMs).padStart(8),
    s(run.stoppedAfterMs).padStart(7),
    run.phases
      ? `first line ${s(run.firstLineMs)}  plan ${run.phases["plan"]}  destroy ${run.phases["destroy"]}  up ${run.phases["up"]}`
      : "",
  ].join(" | ");
}

function printTable(runs: readonly Run[]): void {
  console.log("\nround  | kind  | wall s | starts | own start s | ratio | down s   | the reset's own phases");
  runs.forEach((run, i) => console.log(row(run, Math.floor(i / 2) + 1)));
  for (const kind of ["hand", "reset"] as const) {
    const of = runs.filter((r) => r.kind === kind);
    const med = (pick: (r: Run) => number | undefined): number | undefined =>
      median(of.map(pick).filter((v): v is number => v !== undefined));
    const ratio = med((r) => startRatio(r.wallMs, r.matrix));
    console.log(
      [
        "median".padEnd(6),
        kind.padEnd(5),
        s(med((r) => r.wallMs)).padStart(6),
        String(med((r) => r.matrix.starts) ?? "-").padStart(6),
        s(med((r) => r.matrix.ownStartMs)).padStart(9),
        (ratio === undefined ? "-" : ratio.toFixed(2)).padStart(6),
        s(med((r) => r.matrix.downtimeMs)).padStart(8),
        s(med((r) => r.stoppedAfterMs)).padStart(7),
        kind === "reset" ? `first line ${s(med((r) => r.firstLineMs))}` : "",
      ].join(" | "),
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: "string", default: "4" }, "budget-min": { type: "string", default: "30" } },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds: a positive integer");
  const deadline = Date.now() + Number(values["budget-min"]) * 60_000;

  await removeLeftovers(RESET_PREFIX);
  await removeLeftovers(HAND_PREFIX);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-hbench-"));
  const stack = await openE2eStack(RESET_STACK, resetStackConfig());
  const repo = path.resolve(__dirname, "..", "..");
  const runs: Run[] = [];
  try {
    console.log("setting up: the dev-rbench stack (pulumi up) and the hand install …");
    await Promise.all([stack.stack.up({ onOutput: () => undefined }), setUpHand(dir)]);
    // One warm-up of each, not counted: the first hand run replaces the setup's placeholders,
    // and both then start from a Matrix side their own procedure built.
    await handRun(dir);
    await resetRun(stack.env, repo);
    for (let round = 1; round <= rounds; round++) {
      if (Date.now() > deadline) {
        console.log(`budget spent: stopping before round ${round}`);
        break;
      }
      for (const run of [() => handRun(dir), () => resetRun(stack.env, repo)]) {
        const r = await run();
        runs.push(r);
        console.log(row(r, round));
      }
    }
    printTable(runs);
  } finally {
    await stack.stack.destroy({ continueOnError: true, onOutput: () => undefined }).catch(() => undefined);
    stack.dispose();
    await removeLeftovers(RESET_PREFIX).catch(() => undefined);
    await removeLeftovers(HAND_PREFIX).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);
