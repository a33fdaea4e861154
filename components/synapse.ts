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
  public readonly containerName: pulumi.Output<string>;

  constructor(name: string, args: SynapseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.Synapse, name, {}, opts);
    const owner = `${args.uid}:${args.gid}`;

    // Kept on destroy so a reset does not re-download it.
    const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });

    // Media survives a reset unless the operator asks otherwise (media.retainOnDelete).
    this.mediaVolume = new docker.Volume(
      `${name}-media`,
      { name: args.mediaVolumeName, labels: [{ label: "eqmd.matrix/role", value: "media-store" }] },
      // Fixed name: a replacement must delete first (a retained volume is then found again).
      { parent: this, retainOnDelete: args.retainMedia, deleteBeforeReplace: true },
    );

    // A new named volume is root-owned; Synapse runs as UID:GID and must write to it. This
    // one-shot job fixes ownership (only what differs, so a large kept store costs little).
    const mediaOwner = new docker.Container(
      `${name}-media-owner`,
      {
        name: args.mediaOwnerJobName,
        image: image.imageId,
        user: "0:0",
        entrypoints: ["/bin/sh", "-c"],
        command: [
          `chown ${owner} ${SYNAPSE_PATHS.mediaStore} && ` +
            `find ${SYNAPSE_PATHS.mediaStore} -xdev \\( ! -user ${args.uid} -o ! -group ${args.gid} \\) -exec chown -h ${owner} {} +`,
        ],
        volumes: [{ volumeName: this.mediaVolume.name, containerPath: SYNAPSE_PATHS.mediaStore }],
        attach: true,
        logs: true,
        mustRun: false,
        restart: "no",
        labels: [{ label: "eqmd.matrix/role", value: "media-owner-job" }],
      },
      childOptions(this, opts),
    );

    // The job's exit code is only recorded by the provider; refuse to start Synapse on a failure.
    const mediaOwned = mediaOwner.exitCode.apply((code) => {
      if (code !== undefined && code !== 0) {
        throw new Error(
          `${args.mediaOwnerJobName} exited with ${code}: the media volume could not be chowned to ${owner}`,
        );
      }
      return "ok";
    });

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
        volumes: [{ volumeName: this.mediaVolume.name, containerPath: SYNAPSE_PATHS.mediaStore }],
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
          { label: "eqmd.matrix/media-owner", value: mediaOwned },
        ],
      },
      childOptions(this, opts, {
        dependsOn: [mediaOwner],
        replaceWith: [args.database],
        // Docker never applies a changed healthcheck to a running container.
        replaceOnChanges: ["healthcheck"],
        customTimeouts: { create: `${args.startTimeoutSeconds + 120}s` },
      }),
    );
    this.containerName = this.container.name;
    this.registerOutputs({ containerName: this.containerName, mediaVolumeName: this.mediaVolume.name });
  }
}
