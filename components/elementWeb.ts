import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PublishedPort } from "../config";
import { publishedPorts } from "./ports";
import { childOptions } from "./childOptions";
import { HEALTH_PROBE_INTERVAL_SECONDS, goDuration } from "./duration";
import { boundedLog, ContainerLogs, hardened, memoryLimit } from "./hardening";
import { TYPE } from "./tokens";
import { ELEMENT_PATHS } from "../render/paths";

export interface ElementWebArgs {
  /** Element Web image, pinned (element.image). */
  readonly image: string;
  /** Container name (`<prefix>_element_web`). */
  readonly containerName: string;
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
 * Docker refuses to copy a file onto a read-only root, so the web root is an anonymous volume of
 * the container: Docker fills it from the image when it creates the container, the uploads land
 * in it, and it goes when the container goes (a new image gets a fresh copy). The uploads hold no
 * secret, so `pulumi preview` diffs config.json key by key.
 */
export class ElementWeb extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: ElementWebArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.ElementWeb, name, {}, opts);
    const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
    const uploads: docker.types.input.ContainerUpload[] = [
      { file: ELEMENT_PATHS.config, content: args.configJson, permissions: "0444" },
    ];
    if (args.customCss !== undefined) {
      uploads.push({ file: ELEMENT_PATHS.customCss, content: args.customCss, permissions: "0444" });
    }
    const port = args.containerPort;
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: args.containerName,
        image: image.imageId,
        // Newer images (nginx-unprivileged) read the listen port from here; older ones ignore it.
        envs: [`ELEMENT_WEB_PORT=${port}`],
        uploads,
        volumes: [{ containerPath: ELEMENT_PATHS.webRoot }],
        removeVolumes: true,
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
        labels: [{ label: "eqmd.matrix/role", value: "element-web" }],
      },
      childOptions(this, opts, { replaceOnChanges: ["healthcheck"] }),
    );
    this.registerOutputs({ containerName: this.container.name });
  }
}
