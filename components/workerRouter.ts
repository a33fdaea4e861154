import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PublishedPort } from "../config";
import { childOptions, SERVICE_REPLACEMENT } from "./childOptions";
import { HEALTH_PROBE_INTERVAL_SECONDS, goDuration } from "./duration";
import { boundedLog, ContainerLogs, hardened, memoryLimit } from "./hardening";
import { publishedPorts } from "./ports";
import { SynapseShared } from "./synapse";
import { TYPE } from "./tokens";
import { SYNAPSE_PATHS } from "../render/paths";
import { ROUTER_HEALTH_PATH } from "../render/router";

export interface WorkerRouterArgs {
  /** nginx's image (kept by a reset: components/matrixAssets.ts). */
  readonly image: docker.RemoteImage;
  /** Container name (`<prefix>_matrix_router`). */
  readonly containerName: string;
  /** Synapse's published port (synapse.port): the router takes it over. */
  readonly port: PublishedPort | null;
  /** The port it listens on inside its container (Synapse's listener port). */
  readonly listenPort: number;
  /** Synapse's config volume, which holds the router's nginx.conf, and its writing job. */
  readonly shared: SynapseShared;
  /** "UID:GID" nginx runs as (no capability: it listens above 1024). */
  readonly user: string;
  readonly network: pulumi.Input<string>;
  readonly containerLogs: ContainerLogs;
  readonly memoryMb?: number;
}

/**
 * The router in front of Synapse's processes (render/router.ts): nginx with the program's own
 * nginx.conf, on Synapse's published port and Synapse's network alias, so eqmd's nginx and
 * Django keep one address. Read-only root, temporary files on the /tmp tmpfs.
 */
export class WorkerRouter extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: WorkerRouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.WorkerRouter, name, {}, opts);
    const image = args.image;
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: args.containerName,
        image: image.imageId,
        // nginx itself, not the official image's entrypoint (its scripts rewrite /etc/nginx).
        entrypoints: ["nginx"],
        command: ["-c", SYNAPSE_PATHS.routerConf],
        volumes: [{ volumeName: args.shared.configVolume, containerPath: SYNAPSE_PATHS.configDir, readOnly: true }],
        networksAdvanced: [{ name: args.network, aliases: ["matrix-synapse"] }],
        ports: publishedPorts(args.port, args.listenPort),
        restart: "unless-stopped",
        healthcheck: {
          tests: [
            "CMD-SHELL",
            `wget -q -O /dev/null http://127.0.0.1:${args.listenPort}${ROUTER_HEALTH_PATH} || exit 1`,
          ],
          interval: goDuration(HEALTH_PROBE_INTERVAL_SECONDS),
          timeout: goDuration(5),
          retries: 3,
          startPeriod: goDuration(10),
        },
        wait: true,
        waitTimeout: 120,
        destroyGraceSeconds: 10,
        ...hardened(args.user, ["/tmp"]),
        ...boundedLog(args.containerLogs),
        ...memoryLimit(args.memoryMb),
        labels: [
          { label: "eqmd.matrix/role", value: "worker-router" },
          // nginx reads its config when it starts: a rewritten config volume starts a new one.
          { label: "eqmd.matrix/config-job", value: args.shared.configWritten },
        ],
      },
      childOptions(this, opts, { dependsOn: [...args.shared.jobs], ...SERVICE_REPLACEMENT }),
    );
    this.registerOutputs({ containerName: this.container.name });
  }
}
