import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PublishedPort } from "../config";
import { publishedPorts } from "./ports";
import { childOptions, SERVICE_REPLACEMENT } from "./childOptions";
import { HEALTH_PROBE_INTERVAL_SECONDS, goDuration } from "./duration";
import { boundedLog, ContainerLogs, hardened, memoryLimit } from "./hardening";
import { filesJob } from "./volumeJobs";
import { TYPE } from "./tokens";
import { ELEMENT_PATHS } from "../render/paths";

export interface ElementWebArgs {
  /** Element Web's image (kept by a reset: components/matrixAssets.ts). */
  readonly image: docker.RemoteImage;
  /** Container name (`<prefix>_element_web`). */
  readonly containerName: string;
  /** The web root's volume (kept by a reset; it carries the image's id) and the job that fills it. */
  readonly webRoot: { readonly volume: docker.Volume; readonly jobName: string };
  /** Host address and port to publish on, or null to publish nothing. */
  readonly port: PublishedPort | null;
  /** Port the image's web server listens on inside the container (80, or 8080 unprivileged). */
  readonly containerPort: number;
  /** The rendered config.json (render/element.ts). */
  readonly configJson: string;
  /** custom.css content, when the stack names one. */
  readonly customCss?: string;
  /** Docker network Element joins (alias `element-web`). */
  readonly network: pulumi.Input<string>;
  /** "UID:GID" nginx runs as (element.user): no capability needed. */
  readonly user: string;
  /** Writable tmpfs paths on the read-only root (element.tmpfs). */
  readonly tmpfs: readonly string[];
  /** Docker's log bound (containerLogs). */
  readonly containerLogs: ContainerLogs;
  /** Memory limit in MiB (element.memoryMb); absent = none. */
  readonly memoryMb?: number;
}

/**
 * Element Web with its generated config.json (and optional custom.css), on a read-only root.
 * The provider uploads files through the container's root, which Docker refuses on a read-only
 * container, so the web root is a volume: a one-shot job from Element's own image mounts it
 * (Docker fills an empty volume from the image's /app), writes the files into it, and Element
 * mounts it read-only. The job's uploads hold no secret, so `pulumi preview` diffs config.json
 * key by key. The volume (components/matrixAssets.ts) carries the image id: a new image gets a
 * fresh web root.
 */
export class ElementWeb extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: ElementWebArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.ElementWeb, name, {}, opts);
    const image = args.image;
    const webRoot = args.webRoot.volume;
    const files: { path: string; content: string }[] = [{ path: ELEMENT_PATHS.config, content: args.configJson }];
    if (args.customCss !== undefined) files.push({ path: ELEMENT_PATHS.customCss, content: args.customCss });
    const written = filesJob(
      `${name}-config-writer`,
      {
        jobName: args.webRoot.jobName,
        role: "element-config-writer-job",
        what: "Element's config.json",
        volume: webRoot.name,
        path: ELEMENT_PATHS.webRoot,
      },
      image.imageId,
      { files, fileMode: "0444", others: { prune: [ELEMENT_PATHS.customCss] } },
      args.containerLogs,
      childOptions(this, opts),
    );
    const port = args.containerPort;
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: args.containerName,
        image: image.imageId,
        // Newer images (nginx-unprivileged) read the listen port from here; older ones ignore it.
        envs: [`ELEMENT_WEB_PORT=${port}`],
        volumes: [{ volumeName: webRoot.name, containerPath: ELEMENT_PATHS.webRoot, readOnly: true }],
        networksAdvanced: [{ name: args.network, aliases: ["element-web"] }],
        ports: publishedPorts(args.port, port),
        restart: "unless-stopped",
        healthcheck: {
          tests: ["CMD-SHELL", `wget -q --spider http://localhost:${port}/ || exit 1`],
          interval: goDuration(HEALTH_PROBE_INTERVAL_SECONDS),
          timeout: goDuration(10),
          retries: 3,
          startPeriod: goDuration(10),
        },
        wait: true,
        waitTimeout: 120,
        destroyGraceSeconds: 10,
        ...hardened(args.user, args.tmpfs),
        ...boundedLog(args.containerLogs),
        ...memoryLimit(args.memoryMb),
        // No label of the job: nginx reads config.json on each request, so a rewritten file is
        // served at once and Element keeps running (Synapse, which reads its files only when it
        // starts, is replaced instead).
        labels: [{ label: "eqmd.matrix/role", value: "element-web" }],
      },
      childOptions(this, opts, { dependsOn: [written.job], ...SERVICE_REPLACEMENT }),
    );
    // The job's status throws on a failed job: as an output of the component it fails the up.
    this.registerOutputs({ containerName: this.container.name, configWritten: written.status });
  }
}
