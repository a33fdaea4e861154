/**
 * Synapse's worker mode for real: the stack `dev-workers-e2e` (dev-e2e's config plus workers,
 * workersDifferences.ts), with its own prefix, network, ports and state, run by the Pulumi CLI
 * against this machine's Docker engine. Every claim is checked from outside Pulumi: HTTP
 * through the router (as eqmd's nginx would send it), the router's header and access log,
 * each process's own metrics, docker inspect and kill.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runCommand } from "../contract/support/run";
import { docker, removeLeftovers } from "./support/docker";
import { DevStack, openE2eStack, workersE2eConfig } from "./support/devStack";
import { Figures } from "./support/figures";
import { MatrixHttp, makeData, readHistory } from "./support/matrixData";
import { secretOutput } from "./support/secrets";
import { resourceNames } from "../../config/names";
import { processHost, workerContainerName } from "../../config/workers";
import { WORKER_HEADER } from "../../render/router";
import { WORKERS_E2E_METRICS_PORT, WORKERS_E2E_PREFIX, WORKERS_E2E_SYNAPSE_PORT } from "./workersDifferences";

const STACK = "dev-workers-e2e";
const NAMES = resourceNames(WORKERS_E2E_PREFIX);
const worker = (name: string) => workerContainerName(NAMES.synapseContainer, name);
/** How the router names a worker in its header and log (its network alias). */
const routed = (name: string) => processHost(worker(name));
const ROUTER_URL = `http://127.0.0.1:${WORKERS_E2E_SYNAPSE_PORT}`;
/** Metrics ports in config/workers.ts order: main, sync1, client1, media1, background1. */
const METRICS = { main: 0, sync1: 1, client1: 2, media1: 3, background1: 4 } as const;
const PROCESSES = [NAMES.synapseContainer, ...["sync1", "client1", "media1", "background1"].map(worker)];

const figures = new Figures();

/** The process the router says served a GET. */
async function servedBy(path: string, token: string): Promise<{ status: number; worker: string | null }> {
  const r = await fetch(`${ROUTER_URL}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  });
  await r.arrayBuffer();
  return { status: r.status, worker: r.headers.get(WORKER_HEADER) };
}

/** One process's count of requests its servlets matching `servlet` received (its own metrics). */
async function requestsReceived(process: keyof typeof METRICS, servlet: RegExp): Promise<number> {
  const port = WORKERS_E2E_METRICS_PORT + METRICS[process];
  const text = await (
    await fetch(`http://127.0.0.1:${port}/_synapse/metrics`, { signal: AbortSignal.timeout(10_000) })
  ).text();
  let total = 0;
  for (const line of text.split("\n")) {
    const m = /^synapse_http_server_requests_received_total\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    const name = m && /servlet="([^"]*)"/.exec(m[1]);
    if (m && name && servlet.test(name[1])) total += Number(m[2]);
  }
  return total;
}

/** Retries `get` until it answers 200 or `deadlineMs` passes; the last answer. */
async function eventually(
  get: () => Promise<{ status: number; worker: string | null }>,
  deadlineMs: number,
): Promise<{ status: number; worker: string | null }> {
  const end = Date.now() + deadlineMs;
  let last = await get();
  while (last.status !== 200 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 500));
    last = await get();
  }
  return last;
}

async function health(container: string): Promise<string> {
  return docker(["inspect", "-f", "{{.State.Health.Status}}", container]);
}

async function waitHealthy(container: string, deadlineMs: number): Promise<string> {
  const end = Date.now() + deadlineMs;
  let status = "";
  while (Date.now() < end) {
    status = await health(container).catch(() => "absent");
    if (status === "healthy") return status;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return status;
}

describe("Synapse workers on the real engine (dev-workers-e2e)", { timeout: 15 * 60_000 }, () => {
  let stack: DevStack;
  let adminToken = "";
  const http = new MatrixHttp(ROUTER_URL);

  before(async () => {
    const removed = await removeLeftovers(WORKERS_E2E_PREFIX);
    if (removed.length > 0) console.log(`removed what an interrupted earlier run left: ${removed.join(", ")}`);
    stack = await openE2eStack(STACK, workersE2eConfig());
  });

  after(async () => {
    figures.print();
    // Whatever a failed test left: only this stack's objects.
    await removeLeftovers(WORKERS_E2E_PREFIX).catch(() => []);
    stack?.dispose();
  });

  it("up from empty state: Redis, five Synapse processes and the router healthy; verification passed", async () => {
    const out = await figures.time("up (from empty)", () => stack.cli(["up", "--yes", "--skip-preview"]));
    assert.match(out, /matrix-verification-worker-routes created/);
    for (const c of [NAMES.redisContainer, NAMES.routerContainer, ...PROCESSES]) {
      assert.equal(await health(c), "healthy", `${c} is healthy`);
    }
    adminToken = secretOutput(await stack.stack.outputs(), "synapseAdminToken");
    // Only the router publishes Synapse's port; Redis publishes nothing, metrics loopback only.
    const ports = (c: string) => docker(["inspect", "-f", "{{json .HostConfig.PortBindings}}", c]);
    assert.match(
      await ports(NAMES.routerContainer),
      new RegExp(`"HostIp":"127.0.0.1","HostPort":"${WORKERS_E2E_SYNAPSE_PORT}"`),
    );
    assert.match(await ports(NAMES.redisContainer), /^(null|\{\})$/);
    assert.doesNotMatch(await ports(NAMES.synapseContainer), new RegExp(`"${WORKERS_E2E_SYNAPSE_PORT}"`));
    for (const c of PROCESSES) assert.doesNotMatch(await ports(c), /"HostIp":"(0\.0\.0\.0|)"/, `${c}: loopback only`);
  });

  it("password login, a room, messages and media through the router; /sync and a download served by their workers", async () => {
    const syncBefore = await requestsReceived("sync1", /^SyncRestServlet$/);
    const mainSyncBefore = await requestsReceived("main", /^SyncRestServlet$/);
    const mediaBefore = await requestsReceived("media1", /Download/);
    const data = await makeData(http, adminToken, "localhost", 12, [4096, 300_000]);
    assert.deepEqual(await readHistory(http, data.bob.token, data.roomId), data.messages);

    const sync = await servedBy("/_matrix/client/v3/sync?timeout=0", data.bob.token);
    assert.equal(sync.status, 200);
    assert.equal(sync.worker, routed("sync1"), "the router sent /sync to the sync worker");
    const [server, id] = data.uploads[1].mxc.replace("mxc://", "").split("/");
    const download = await servedBy(`/_matrix/client/v1/media/download/${server}/${id}`, data.bob.token);
    assert.equal(download.status, 200);
    assert.equal(download.worker, routed("media1"), "the router sent the download to the media worker");
    const whoami = await servedBy("/_matrix/client/v3/account/whoami", data.bob.token);
    assert.equal(whoami.worker, routed("client1"));
    const admin = await servedBy("/_synapse/admin/v1/server_version", adminToken);
    assert.equal(admin.worker, "main");

    // Seen by the workers themselves, not only the router's choice.
    assert.ok((await requestsReceived("sync1", /^SyncRestServlet$/)) > syncBefore, "sync1 counted the /sync");
    assert.equal(await requestsReceived("main", /^SyncRestServlet$/), mainSyncBefore, "main served no /sync");
    assert.ok((await requestsReceived("media1", /Download/)) > mediaBefore, "media1 counted the download");
    const log = await docker(["logs", "--since", "5m", NAMES.routerContainer]);
    assert.match(log, new RegExp(`"GET /_matrix/client/v3/sync" 200 ${routed("sync1")}`));
    assert.doesNotMatch(log, /access_token=/, "the router's log keeps no query string");
  });

  it("a worker's process crashes: Docker's restart policy brings it back healthy, and up converges", async () => {
    const pid = await docker(["inspect", "-f", "{{.State.Pid}}", worker("sync1")]);
    const restartsBefore = Number(await docker(["inspect", "-f", "{{.RestartCount}}", worker("sync1")]));
    await runCommand(["kill", "-KILL", pid]);
    assert.equal(await waitHealthy(worker("sync1"), 180_000), "healthy");
    assert.ok(Number(await docker(["inspect", "-f", "{{.RestartCount}}", worker("sync1")])) > restartsBefore);
    // After the restart (maybe on a new address) the router reaches it again within its
    // resolver's cache time (2 s).
    const sync = await eventually(() => servedBy("/_matrix/client/v3/sync?timeout=0", adminToken), 15_000);
    assert.equal(sync.status, 200);
    assert.equal(sync.worker, routed("sync1"));
    await stack.cli(["up", "--yes", "--skip-preview", "--refresh"]);
    await stack.cli(["preview", "--expect-no-changes"]);
  });

  it("docker kill of a worker (a manual stop, which Docker does not restart): up --refresh starts it again", async () => {
    await docker(["kill", worker("client1")]);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.match(await docker(["inspect", "-f", "{{.State.Status}}", worker("client1")]), /exited/);
    const down = await servedBy("/_matrix/client/v3/account/whoami", adminToken);
    assert.ok(down.status >= 500, `while it is down the router answers an error for its endpoints (${down.status})`);
    await figures.time("up --refresh after docker kill", () =>
      stack.cli(["up", "--yes", "--skip-preview", "--refresh"]),
    );
    assert.equal(await health(worker("client1")), "healthy");
    assert.equal(
      (await eventually(() => servedBy("/_matrix/client/v3/account/whoami", adminToken), 15_000)).status,
      200,
    );
    await stack.cli(["preview", "--expect-no-changes"]);
  });

  it("npm run reset rebuilds the workers too; destroy removes every object of the stack", async () => {
    const reset = await figures.time("reset (npm run reset -- --yes)", () =>
      stack.npm(["reset", "--", "--stack", STACK, "--yes"]),
    );
    assert.equal(reset.code, 0, `reset failed:\n${reset.stdout}\n${reset.stderr}`);
    const token = secretOutput(await stack.stack.outputs(), "synapseAdminToken");
    assert.notEqual(token, adminToken, "a new admin after the reset");
    assert.equal((await servedBy("/_matrix/client/v3/sync?timeout=0", token)).worker, routed("sync1"));
    await stack.cli(["preview", "--expect-no-changes"]);
    await figures.time("destroy", () => stack.cli(["destroy", "--yes", "--skip-preview"]));
    const left = (await docker(["ps", "-a", "--format", "{{.Names}}"]))
      .split("\n")
      .filter((n) => n.startsWith(`${WORKERS_E2E_PREFIX}_`));
    assert.deepEqual(left, [], "no container of the stack is left");
  });
});
