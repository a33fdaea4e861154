import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PublishedPort } from "../config";
import { publishedPorts } from "./ports";
import { childOptions, SERVICE_REPLACEMENT } from "./childOptions";
import { HEALTH_PROBE_INTERVAL_SECONDS, goDuration } from "./duration";
import { boundedLog, ContainerLogs, hardened, memoryLimit } from "./hardening";
import { TYPE } from "./tokens";
import { filesJob, volumeOwnerJob, VolumeJob } from "./volumeJobs";
import { SYNAPSE_PATHS } from "../render/paths";

/** A file Synapse reads; secret contents stay Pulumi secrets. */
export interface SynapseFile {
  /** Absolute path inside the container: under SYNAPSE_PATHS.configDir or, when secret, secretsDir. */
  readonly path: string;
  /** The file's text (a Pulumi secret for the secret files). */
  readonly content: pulumi.Input<string>;
  /** Secret files go to the secrets volume, readable by the Synapse user only (0400); the rest to the config volume (0444). */
  readonly secret: boolean;
}

export interface SynapseArgs {
  /** Synapse's image (kept by a reset: components/matrixAssets.ts). */
  readonly image: docker.RemoteImage;
  /** Container name (`<prefix>_matrix_synapse`). */
  readonly containerName: string;
  /** Media store volume name (`<prefix>_matrix_media_store`). */
  readonly mediaVolumeName: string;
  /** Name of the one-shot job that chowns the media volume. */
  readonly mediaOwnerJobName: string;
  /** The readable config files' volume (kept by a reset) and the job that writes it whole. */
  readonly config: { readonly volume: docker.Volume; readonly jobName: string };
  /** The secret files' volume (kept by a reset) and the job that writes it whole. */
  readonly secrets: { readonly volume: docker.Volume; readonly jobName: string };
  /** Keep the media volume in Docker when Pulumi deletes it (media.retainOnDelete). */
  readonly retainMedia: boolean;
  /** User Synapse runs as and that owns its files and media (eqmd: 1001). */
  readonly uid: number;
  /** Group of that user (eqmd: 1001). */
  readonly gid: number;
  /** Host address and port to publish on, or null to publish nothing. */
  readonly port: PublishedPort | null;
  /** Port of Synapse's HTTP listener inside the container (the rendered config's). */
  readonly listenPort: number;
  /** How long Synapse may take to become healthy. */
  readonly startTimeoutSeconds: number;
  /**
   * Whether the engine waits for Docker to report the container healthy before anything that
   * depends on it. Worker mode needs it (a worker must not start before the main process has
   * migrated the schema). Without workers the next steps (the admin bootstrap, the verification)
   * retry until Synapse answers, every 100 ms: they see it ready about a second sooner than
   * Docker's 1 s probe followed by the provider's 1 s poll of the probe's result.
   */
  readonly engineWaitsUntilHealthy: boolean;
  /** Every file Synapse reads from /data (configs, keys, modules). */
  readonly files: readonly SynapseFile[];
  /** Docker network Synapse joins (alias `matrix-synapse`, which Django uses). */
  readonly network: pulumi.Input<string>;
  /** The log file's volume and its chown job (synapse.fileLog); absent = stdout only. */
  readonly logs?: { readonly volumeName: string; readonly ownerJobName: string };
  /** Synapse's database: a new database needs a new Synapse (it caches and holds connections). */
  readonly database: pulumi.Resource;
  /**
   * What must exist before the process starts (its database, the OIDC client, Redis). Only the
   * container waits for them: the jobs need none of them, so `up` runs them beside the database.
   */
  readonly startAfter: readonly pulumi.Resource[];
  /** Docker's log bound (containerLogs). */
  readonly containerLogs: ContainerLogs;
  /** Memory limit in MiB (synapse.memoryMb); absent = none. */
  readonly memoryMb?: number;
  /** Its network aliases; absent = `matrix-synapse` (with workers, the router takes that alias). */
  readonly networkAliases?: readonly string[];
  /** Also publish this port (synapse.metrics: the metrics listener); absent = nothing more. */
  readonly extraPorts?: readonly { readonly port: PublishedPort; readonly internal: number }[];
}

/** What Synapse's workers share with the main process (components/synapseWorkers.ts). */
export interface SynapseShared {
  readonly imageId: pulumi.Output<string>;
  readonly configVolume: pulumi.Output<string>;
  readonly secretsVolume: pulumi.Output<string>;
  readonly mediaVolume: pulumi.Output<string>;
  /** The writing jobs' short ids: a worker's labels, so new files start new workers. */
  readonly configWritten: pulumi.Output<string>;
  readonly secretsWritten: pulumi.Output<string>;
  /** The jobs themselves, for dependsOn. */
  readonly jobs: readonly docker.Container[];
}

/**
 * The Synapse container, its image and its media volume. Started once, with its final
 * config: create waits until Docker reports the container healthy.
 */
export class Synapse extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly mediaVolume: docker.Volume;
  /** The log file's volume, when synapse.fileLog is set. */
  public readonly logVolume?: docker.Volume;
  public readonly containerName: pulumi.Output<string>;
  /** The image, volumes and files every Synapse process uses. */
  public readonly shared: SynapseShared;

  constructor(name: string, args: SynapseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.Synapse, name, {}, opts);

    const image = args.image;
    // Media survives a reset unless the operator asks otherwise (media.retainOnDelete).
    this.mediaVolume = new docker.Volume(
      `${name}-media`,
      { name: args.mediaVolumeName, labels: [{ label: "eqmd.matrix/role", value: "media-store" }] },
      // Fixed name: a replacement must delete first (a retained volume is then found again).
      // Labels only tag it: a volume adopted from eqmd's compose (`npm run adopt`) keeps
      // compose's labels, and Docker cannot relabel a volume, so a label change must never
      // replace the media store.
      { parent: this, retainOnDelete: args.retainMedia, deleteBeforeReplace: true, ignoreChanges: ["labels"] },
    );

    // A new named volume is root-owned; Synapse runs as UID:GID and must write to it.
    const mediaOwned = volumeOwnerJob(
      `${name}-media-owner`,
      {
        jobName: args.mediaOwnerJobName,
        role: "media-owner-job",
        what: "the media volume",
        volume: this.mediaVolume.name,
        path: SYNAPSE_PATHS.mediaStore,
      },
      image.imageId,
      args,
      args.containerLogs,
      childOptions(this, opts),
    );

    const logs = args.logs ? this.logStore(name, args.logs, image.imageId, args, opts) : undefined;
    const config = this.filesVolume(name, "config", image, args, opts);
    const secrets = this.filesVolume(name, "secrets", image, args, opts);

    this.container = new docker.Container(
      `${name}-container`,
      {
        name: args.containerName,
        image: image.imageId,
        // Synapse's files arrive on volumes, not as uploads of this container, so nothing makes
        // Docker look the user up in the host's passwd (moby/moby#34142): it can run as UID:GID
        // from the start, with no capability at all (start.py's `run` mode keeps the explicit
        // --config-path arguments; secrets.yaml is merged over homeserver.yaml, disjoint keys).
        command: ["run", "--config-path", SYNAPSE_PATHS.homeserver, "--config-path", SYNAPSE_PATHS.secrets],
        envs: [`PYTHONPATH=${SYNAPSE_PATHS.modulesDir}`, "SYNAPSE_REPORT_STATS=no"],
        volumes: [
          { volumeName: config.volume.name, containerPath: SYNAPSE_PATHS.configDir, readOnly: true },
          { volumeName: secrets.volume.name, containerPath: SYNAPSE_PATHS.secretsDir, readOnly: true },
          { volumeName: this.mediaVolume.name, containerPath: SYNAPSE_PATHS.mediaStore },
          ...(logs ? [{ volumeName: logs.volume.name, containerPath: SYNAPSE_PATHS.logsDir }] : []),
        ],
        networksAdvanced: [{ name: args.network, aliases: [...(args.networkAliases ?? ["matrix-synapse"])] }],
        ports: [
          ...publishedPorts(args.port, args.listenPort),
          ...(args.extraPorts ?? []).flatMap((p) => publishedPorts(p.port, p.internal)),
        ],
        restart: "unless-stopped",
        ...healthyOnStart(args.listenPort, args.startTimeoutSeconds, args.engineWaitsUntilHealthy),
        ...hardened(`${args.uid}:${args.gid}`, ["/tmp"]),
        ...boundedLog(args.containerLogs),
        ...memoryLimit(args.memoryMb),
        labels: [
          { label: "eqmd.matrix/role", value: "synapse" },
          { label: "eqmd.matrix/media-owner", value: mediaOwned.status },
          ...(logs ? [{ label: "eqmd.matrix/logs-owner", value: logs.owned.status }] : []),
          // Synapse reads its files only when it starts: a rewritten config or secrets volume
          // (a new job) must start a new Synapse, so each job's id is part of the container.
          { label: "eqmd.matrix/config-job", value: written(config) },
          { label: "eqmd.matrix/credentials-job", value: written(secrets) },
        ],
      },
      childOptions(this, opts, {
        dependsOn: [...args.startAfter, mediaOwned.job, config.job, secrets.job, ...(logs ? [logs.owned.job] : [])],
        replaceWith: [args.database],
        ...SERVICE_REPLACEMENT,
        customTimeouts: { create: `${args.startTimeoutSeconds + 120}s` },
      }),
    );
    this.containerName = this.container.name;
    this.shared = {
      imageId: image.imageId,
      configVolume: config.volume.name,
      secretsVolume: secrets.volume.name,
      mediaVolume: this.mediaVolume.name,
      configWritten: written(config),
      secretsWritten: written(secrets),
      jobs: [mediaOwned.job, config.job, secrets.job],
    };
    if (logs) this.logVolume = logs.volume;
    this.registerOutputs({ containerName: this.containerName, mediaVolumeName: this.mediaVolume.name });
  }

  /**
   * The log file's volume and its chown job. The volume is kept on delete whatever
   * media.retainOnDelete says: logs are the record of what happened before a reset, and
   * nothing in Synapse depends on them. Its fixed name makes the next `up` find the kept
   * volume again, and Synapse appends to the same file.
   */
  private logStore(
    name: string,
    logs: NonNullable<SynapseArgs["logs"]>,
    imageId: pulumi.Input<string>,
    args: SynapseArgs,
    opts: pulumi.ComponentResourceOptions | undefined,
  ): { volume: docker.Volume; owned: VolumeJob } {
    const volume = new docker.Volume(
      `${name}-logs`,
      { name: logs.volumeName, labels: [{ label: "eqmd.matrix/role", value: "synapse-logs" }] },
      { parent: this, retainOnDelete: true, deleteBeforeReplace: true },
    );
    const owned = volumeOwnerJob(
      `${name}-logs-owner`,
      {
        jobName: logs.ownerJobName,
        role: "logs-owner-job",
        what: "the log volume",
        volume: volume.name,
        path: SYNAPSE_PATHS.logsDir,
      },
      imageId,
      args,
      args.containerLogs,
      childOptions(this, opts),
    );
    return { volume, owned };
  }

  /**
   * The job that writes the config or the secrets volume whole. The volume outlives a reset
   * (it holds nothing the next `up` does not write again); the job, inside MatrixStack, runs
   * again on every reset and removes every file it does not declare, so no old secret stays.
   */
  private filesVolume(
    name: string,
    kind: "config" | "secrets",
    image: docker.RemoteImage,
    args: SynapseArgs,
    opts: pulumi.ComponentResourceOptions | undefined,
  ): { volume: docker.Volume } & VolumeJob {
    const secret = kind === "secrets";
    const where = args[kind];
    const volume = where.volume;
    const written = filesJob(
      `${name}-${kind}-writer`,
      {
        jobName: where.jobName,
        role: `${kind}-writer-job`,
        what: `Synapse's ${kind} files`,
        volume: volume.name,
        path: secret ? SYNAPSE_PATHS.secretsDir : SYNAPSE_PATHS.configDir,
      },
      image.imageId,
      {
        files: args.files.filter((f) => f.secret === secret),
        owner: args,
        fileMode: secret ? "0400" : "0444",
        others: { dirMode: secret ? "0500" : "0555" },
      },
      args.containerLogs,
      childOptions(this, opts),
    );
    return { volume, ...written };
  }
}

/**
 * The writing job's short id (Docker's 12 characters) once it exited 0: a new job (new files)
 * gives a new value. Short, so no label carries a long random-looking string.
 */
function written(files: VolumeJob): pulumi.Output<string> {
  return pulumi.all([files.status, files.job.id]).apply(([, id]) => id.slice(0, 12));
}

/**
 * A Synapse process's health probe on `/health` of `port`, with `engineWaits` the engine waiting
 * for it to pass (so nothing after it runs on a Synapse that is not serving), and a graceful
 * stop. Shared by the main process and every worker.
 */
export function healthyOnStart(
  port: number,
  startTimeoutSeconds: number,
  engineWaits = true,
): Pick<docker.ContainerArgs, "healthcheck" | "wait" | "waitTimeout" | "destroyGraceSeconds"> {
  return {
    // No startInterval: it needs Docker API 1.44 (Engine 25); older engines reject it.
    healthcheck: {
      tests: ["CMD", "curl", "-fSs", `http://localhost:${port}/health`],
      interval: goDuration(HEALTH_PROBE_INTERVAL_SECONDS),
      timeout: goDuration(5),
      retries: 3,
      startPeriod: goDuration(startTimeoutSeconds),
    },
    wait: engineWaits,
    // Kept without the wait too: the provider's default (60) would only add a step to the diff.
    waitTimeout: startTimeoutSeconds,
    // Let Synapse finish in-flight requests and close its database pool.
    destroyGraceSeconds: 30,
  };
}
