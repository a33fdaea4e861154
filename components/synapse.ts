import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PublishedPort } from "../config";
import { publishedPorts } from "./ports";
import { childOptions } from "./childOptions";
import { HEALTH_PROBE_INTERVAL_SECONDS, goDuration } from "./duration";
import { TYPE } from "./tokens";
import { SYNAPSE_PATHS } from "../render/paths";

/** A file placed in the container before it starts; secret contents stay Pulumi secrets. */
export interface SynapseFile {
  /** Absolute path inside the container. */
  readonly path: string;
  /** The file's text (a Pulumi secret for the secret files). */
  readonly content: pulumi.Input<string>;
  /** Secret files are readable by the Synapse user only (0400); the rest by anyone (0444). */
  readonly secret: boolean;
}

export interface SynapseArgs {
  /** Synapse image, pinned (synapse.image). */
  readonly image: string;
  /** Container name (`<prefix>_matrix_synapse`). */
  readonly containerName: string;
  /** Media store volume name (`<prefix>_matrix_media_store`). */
  readonly mediaVolumeName: string;
  /** Name of the one-shot job that chowns the media volume. */
  readonly mediaOwnerJobName: string;
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
  /** Every file Synapse reads from /data (configs, keys, modules). */
  readonly files: readonly SynapseFile[];
  /** Docker network Synapse joins (alias `matrix-synapse`, which Django uses). */
  readonly network: pulumi.Input<string>;
  /** The log file's volume and its chown job (synapse.fileLog); absent = stdout only. */
  readonly logs?: { readonly volumeName: string; readonly ownerJobName: string };
  /** Synapse's database: a new database needs a new Synapse (it caches and holds connections). */
  readonly database: pulumi.Resource;
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

  constructor(name: string, args: SynapseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.Synapse, name, {}, opts);

    // Kept on destroy so a reset does not re-download it.
    const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });

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
      childOptions(this, opts),
    );

    const logs = args.logs ? this.logStore(name, args.logs, image.imageId, args, opts) : undefined;

    this.container = new docker.Container(
      `${name}-container`,
      {
        name: args.containerName,
        image: image.imageId,
        // No `user:` here. Uploads that set an owner make Docker look the container's user up
        // in the *host's* passwd database (moby/moby#34142), where "1001:1001" is never found,
        // so the create fails. The image's start.py starts as root and drops to UID:GID itself
        // (which needs SETUID/SETGID, below); Synapse never runs as root.
        // start.py's `run` mode keeps explicit --config-path arguments; secrets.yaml is merged
        // over homeserver.yaml (disjoint top-level keys).
        command: ["run", "--config-path", SYNAPSE_PATHS.homeserver, "--config-path", SYNAPSE_PATHS.secrets],
        envs: [
          `UID=${args.uid}`,
          `GID=${args.gid}`,
          `PYTHONPATH=${SYNAPSE_PATHS.modulesDir}`,
          "SYNAPSE_REPORT_STATS=no",
        ],
        uploads: args.files.map((f) => ({
          file: f.path,
          content: f.content,
          owner: String(args.uid),
          group: String(args.gid),
          permissions: f.secret ? "0400" : "0444",
        })),
        volumes: [
          { volumeName: this.mediaVolume.name, containerPath: SYNAPSE_PATHS.mediaStore },
          ...(logs ? [{ volumeName: logs.volume.name, containerPath: SYNAPSE_PATHS.logsDir }] : []),
        ],
        networksAdvanced: [{ name: args.network, aliases: ["matrix-synapse"] }],
        ports: publishedPorts(args.port, args.listenPort),
        restart: "unless-stopped",
        // No startInterval: it needs Docker API 1.44 (Engine 25); older engines reject it.
        healthcheck: {
          tests: ["CMD", "curl", "-fSs", `http://localhost:${args.listenPort}/health`],
          interval: goDuration(HEALTH_PROBE_INTERVAL_SECONDS),
          timeout: goDuration(5),
          retries: 3,
          startPeriod: goDuration(args.startTimeoutSeconds),
        },
        wait: true,
        waitTimeout: args.startTimeoutSeconds,
        // Let Synapse finish in-flight requests and close its database pool.
        destroyGraceSeconds: 30,
        init: true,
        // Only what start.py needs to drop from root to UID:GID; Synapse itself keeps none.
        // Spelled as Docker reads them back (CAP_ prefix), else every refresh finds drift
        // and the next up replaces the container.
        capabilities: { drops: ["ALL"], adds: ["CAP_SETGID", "CAP_SETUID"] },
        securityOpts: ["no-new-privileges:true"],
        labels: [
          { label: "eqmd.matrix/role", value: "synapse" },
          { label: "eqmd.matrix/media-owner", value: mediaOwned.status },
          ...(logs ? [{ label: "eqmd.matrix/logs-owner", value: logs.owned.status }] : []),
        ],
      },
      childOptions(this, opts, {
        dependsOn: [mediaOwned.job, ...(logs ? [logs.owned.job] : [])],
        replaceWith: [args.database],
        // Docker never applies a changed healthcheck to a running container.
        replaceOnChanges: ["healthcheck"],
        customTimeouts: { create: `${args.startTimeoutSeconds + 120}s` },
      }),
    );
    this.containerName = this.container.name;
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
    ids: { readonly uid: number; readonly gid: number },
    opts: pulumi.ComponentResourceOptions | undefined,
  ): { volume: docker.Volume; owned: ReturnType<typeof volumeOwnerJob> } {
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
      ids,
      childOptions(this, opts),
    );
    return { volume, owned };
  }
}

interface OwnedVolume {
  /** Container name of the job (`<prefix>_matrix_media_init`, …). */
  readonly jobName: string;
  /** Its `eqmd.matrix/role` label. */
  readonly role: string;
  /** For the error message: "the media volume". */
  readonly what: string;
  readonly volume: pulumi.Input<string>;
  /** Where the job (and Synapse) mount the volume. */
  readonly path: string;
}

/**
 * A one-shot job that gives a volume to Synapse's UID:GID, changing only what differs (so a
 * large kept store costs little). Its `status` output is "ok" once it exited 0; it throws
 * otherwise, so Synapse (which carries the status as a label) never starts on a failure.
 */
function volumeOwnerJob(
  resourceName: string,
  target: OwnedVolume,
  imageId: pulumi.Input<string>,
  ids: { readonly uid: number; readonly gid: number },
  opts: pulumi.CustomResourceOptions,
): { job: docker.Container; status: pulumi.Output<string> } {
  const owner = `${ids.uid}:${ids.gid}`;
  const job = new docker.Container(
    resourceName,
    {
      name: target.jobName,
      image: imageId,
      user: "0:0",
      entrypoints: ["/bin/sh", "-c"],
      command: [
        `chown ${owner} ${target.path} && ` +
          `find ${target.path} -xdev \\( ! -user ${ids.uid} -o ! -group ${ids.gid} \\) -exec chown -h ${owner} {} +`,
      ],
      volumes: [{ volumeName: target.volume, containerPath: target.path }],
      attach: true,
      logs: true,
      mustRun: false,
      restart: "no",
      labels: [{ label: "eqmd.matrix/role", value: target.role }],
    },
    opts,
  );
  // The job's exit code is only recorded by the provider; refuse to start Synapse on a failure.
  const status = job.exitCode.apply((code) => {
    if (code !== undefined && code !== 0) {
      throw new Error(`${target.jobName} exited with ${code}: ${target.what} could not be chowned to ${owner}`);
    }
    return "ok";
  });
  return { job, status };
}
