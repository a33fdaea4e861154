import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PublishedPort } from "../config";
import type { WorkerSpec } from "../config/workers";
import { childOptions, SERVICE_REPLACEMENT } from "./childOptions";
import { boundedLog, ContainerLogs, hardened, memoryLimit } from "./hardening";
import { publishedPorts } from "./ports";
import { healthyOnStart, SynapseShared } from "./synapse";
import { TYPE } from "./tokens";
import { SYNAPSE_PATHS, SYNAPSE_PORTS } from "../render/paths";
import { workerConfigPath } from "../render/workers";

export interface SynapseWorkersArgs {
  /** Every worker, in config/workers.ts order. */
  readonly workers: readonly WorkerSpec[];
  /** Container name of each worker, by worker name. */
  readonly containerName: (worker: string) => string;
  /** The alias the other processes and the router reach each worker by (config/workers.ts). */
  readonly host: (worker: string) => string;
  /** What the main process shares with them: image, config and secrets volumes, media. */
  readonly shared: SynapseShared;
  /** Where each worker publishes its metrics listener (synapse.metrics), by worker name. */
  readonly metricsPort?: (worker: string) => PublishedPort;
  readonly uid: number;
  readonly gid: number;
  readonly startTimeoutSeconds: number;
  readonly network: pulumi.Input<string>;
  /** Synapse's database: a new database needs new processes, as for the main one. */
  readonly database: pulumi.Resource;
  readonly containerLogs: ContainerLogs;
  readonly memoryMb?: number;
}

/**
 * Synapse's workers: one container per worker, from Synapse's image, with the same files as
 * the main process (its read-only config and secrets volumes) plus the worker's own file.
 * Each starts after the main process (which migrates the database schema) and is healthy
 * (its /health on the replication listener) before the router and the verification run.
 */
export class SynapseWorkers extends pulumi.ComponentResource {
  public readonly containers: docker.Container[];

  constructor(name: string, args: SynapseWorkersArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.SynapseWorkers, name, {}, opts);
    this.containers = args.workers.map((w) => this.worker(name, w, args, opts));
    this.registerOutputs({});
  }

  private worker(
    name: string,
    w: WorkerSpec,
    args: SynapseWorkersArgs,
    opts: pulumi.ComponentResourceOptions | undefined,
  ): docker.Container {
    const s = args.shared;
    const metrics = args.metricsPort?.(w.name);
    return new docker.Container(
      `${name}-${w.name}`,
      {
        name: args.containerName(w.name),
        image: s.imageId,
        command: [
          "run",
          "--config-path",
          SYNAPSE_PATHS.homeserver,
          "--config-path",
          SYNAPSE_PATHS.secrets,
          "--config-path",
          workerConfigPath(w),
        ],
        // The image's start.py runs the module SYNAPSE_WORKER names (as the official image's).
        envs: [`SYNAPSE_WORKER=${w.app}`, `PYTHONPATH=${SYNAPSE_PATHS.modulesDir}`, "SYNAPSE_REPORT_STATS=no"],
        volumes: [
          { volumeName: s.configVolume, containerPath: SYNAPSE_PATHS.configDir, readOnly: true },
          { volumeName: s.secretsVolume, containerPath: SYNAPSE_PATHS.secretsDir, readOnly: true },
          // Only the media repository writes the media store.
          ...(w.kind === "media" ? [{ volumeName: s.mediaVolume, containerPath: SYNAPSE_PATHS.mediaStore }] : []),
        ],
        networksAdvanced: [{ name: args.network, aliases: [args.host(w.name)] }],
        ports: metrics ? publishedPorts(metrics, SYNAPSE_PORTS.metrics) : [],
        restart: "unless-stopped",
        ...healthyOnStart(SYNAPSE_PORTS.replication, args.startTimeoutSeconds),
        ...hardened(`${args.uid}:${args.gid}`, ["/tmp"]),
        ...boundedLog(args.containerLogs),
        ...memoryLimit(args.memoryMb),
        labels: [
          { label: "eqmd.matrix/role", value: `synapse-worker-${w.kind}` },
          { label: "eqmd.matrix/worker", value: w.name },
          // As the main process: new files start new workers.
          { label: "eqmd.matrix/config-job", value: s.configWritten },
          { label: "eqmd.matrix/credentials-job", value: s.secretsWritten },
        ],
      },
      childOptions(this, opts, {
        dependsOn: [...s.jobs],
        replaceWith: [args.database],
        ...SERVICE_REPLACEMENT,
        customTimeouts: { create: `${args.startTimeoutSeconds + 120}s` },
      }),
    );
  }
}
