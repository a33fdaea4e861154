/**
 * Synapse's worker mode inside MatrixStack (synapse.workers): the extra files the processes
 * read, and Redis, the workers and the router, declared in that order. matrixStack.ts calls
 * it only when the key is set, so a stack without workers declares nothing of this.
 */
import * as pulumi from "@pulumi/pulumi";
import { Settings, WorkersSettings } from "../config";
import { processHost, workerContainerName } from "../config/workers";
import * as docker from "@pulumi/docker";
import { WorkerAssets } from "./matrixAssets";
import { Redis } from "./redis";
import { SynapseFile, SynapseShared } from "./synapse";
import { SynapseWorkers } from "./synapseWorkers";
import { WorkerRouter } from "./workerRouter";
import type { VerifyWorkersInput } from "./commands/pythonScripts";
import { SYNAPSE_PATHS } from "../render/paths";
import { renderRouterConf, WORKER_HEADER } from "../render/router";
import { renderWorkerConfig, renderWorkerLogConfig, workerConfigPath } from "../render/workers";

/** The workers' files: their configs, their log config, the router's nginx.conf, Redis' password. */
export function workerFiles(s: Settings, redisPassword: pulumi.Output<string>): SynapseFile[] {
  const w = s.synapse.workers!;
  return [
    ...w.list.map((x) => ({ path: workerConfigPath(x), content: renderWorkerConfig(s, x), secret: false })),
    { path: SYNAPSE_PATHS.workerLogConfig, content: renderWorkerLogConfig(s), secret: false },
    { path: SYNAPSE_PATHS.routerConf, content: renderRouterConf(s), secret: false },
    // Synapse strips the trailing newline of redis.password_path.
    { path: SYNAPSE_PATHS.redisPassword, content: redisPassword.apply((p) => `${p}\n`), secret: true },
  ];
}

/** Where a process ("main" or a worker's name) publishes its metrics: main on the port, worker i on port + 1 + i. */
export function metricsPortOf(s: Settings, process: string) {
  const m = s.synapse.metrics;
  if (!m) return undefined;
  const index = process === "main" ? 0 : 1 + (s.synapse.workers?.list.findIndex((x) => x.name === process) ?? -1);
  return { ip: m.ip, port: m.port + index };
}

/** Redis, declared before Synapse (every process connects to it when it starts). */
export function declareRedis(
  name: string,
  s: Settings,
  password: pulumi.Output<string>,
  assets: WorkerAssets,
  network: pulumi.Input<string>,
  opts: pulumi.ComponentResourceOptions,
): Redis {
  const w = s.synapse.workers!;
  return new Redis(
    `${name}-redis`,
    {
      image: assets.redisImage,
      containerName: s.names.redisContainer,
      secrets: { volume: assets.redisSecrets, jobName: s.names.redisSecretsJobContainer },
      password,
      uid: s.uid,
      gid: s.gid,
      network,
      containerLogs: s.containerLogs,
      ...(w.redis.memoryMb !== undefined ? { memoryMb: w.redis.memoryMb } : {}),
    },
    opts,
  );
}

/** The workers and the router, after the main process (which migrates the schema). */
export function declareWorkers(
  name: string,
  s: Settings,
  shared: SynapseShared,
  routerImage: docker.RemoteImage,
  network: pulumi.Input<string>,
  database: pulumi.Resource,
  opts: { parent: pulumi.Resource; dependsOn: pulumi.Resource[] },
): { workers: SynapseWorkers; router: WorkerRouter } {
  const w: WorkersSettings = s.synapse.workers!;
  const workers = new SynapseWorkers(
    `${name}-workers`,
    {
      workers: w.list,
      containerName: (worker) => workerContainerName(s.names.synapseContainer, worker),
      host: (worker) => processHost(workerContainerName(s.names.synapseContainer, worker)),
      shared,
      ...(s.synapse.metrics ? { metricsPort: (worker: string) => metricsPortOf(s, worker)! } : {}),
      uid: s.uid,
      gid: s.gid,
      startTimeoutSeconds: s.synapse.startTimeoutSeconds,
      network,
      database,
      containerLogs: s.containerLogs,
      ...(w.memoryMb !== undefined ? { memoryMb: w.memoryMb } : {}),
    },
    opts,
  );
  const router = new WorkerRouter(
    `${name}-router`,
    {
      image: routerImage,
      containerName: s.names.routerContainer,
      port: s.synapse.port,
      listenPort: s.synapse.listenPort,
      shared,
      user: `${s.uid}:${s.gid}`,
      network,
      containerLogs: s.containerLogs,
      ...(w.router.memoryMb !== undefined ? { memoryMb: w.router.memoryMb } : {}),
    },
    { parent: opts.parent, dependsOn: [...opts.dependsOn, workers] },
  );
  return { workers, router };
}

/** One request per routed kind the stack has, and the process that must answer it. */
export function routeChecks(s: Settings): VerifyWorkersInput["checks"] {
  const kinds = new Set(s.synapse.workers!.list.map((x) => x.kind));
  return [
    kinds.has("sync")
      ? { kind: "sync", path: "/_matrix/client/v3/sync?timeout=0", expect: "-sync[0-9]+$" }
      : { kind: "sync", path: "/_matrix/client/v3/sync?timeout=0", expect: "^main$" },
    {
      kind: "client",
      path: "/_matrix/client/v3/account/whoami",
      expect: kinds.has("client") ? "-client[0-9]+$" : "^main$",
    },
    {
      kind: "media",
      path: "/_matrix/client/v1/media/config",
      expect: kinds.has("media") ? "-media[0-9]+$" : "^main$",
    },
    { kind: "main", path: "/_synapse/admin/v1/server_version", expect: "^main$" },
  ];
}

/** The router as the verification sees it: by name from inside the network, else its port. */
export function routerUrl(s: Settings): string {
  if (s.synapse.exec.command.length > 0) return `http://${s.names.routerContainer}:${s.synapse.listenPort}`;
  const p = s.synapse.port;
  return p ? `http://${p.ip}:${p.port}` : `http://127.0.0.1:${s.synapse.listenPort}`;
}

export const ROUTER_WORKER_HEADER = WORKER_HEADER;
