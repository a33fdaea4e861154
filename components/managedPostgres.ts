import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { HEALTH_PROBE_INTERVAL_SECONDS, goDuration } from "./duration";
import { boundedLog, ContainerLogs, memoryLimit } from "./hardening";
import { SERVICE_REPLACEMENT } from "./childOptions";
import { publishedPorts } from "./ports";
import { TYPE } from "./tokens";

export interface ManagedPostgresArgs {
  /** PostgreSQL image, pinned (postgres.image). */
  readonly image: string;
  /** Container name; Synapse reaches it by this name on `network`. */
  readonly containerName: string;
  /** Data volume name (kept across resets: it lives outside MatrixStack). */
  readonly dataVolumeName: string;
  /** Superuser the entrypoint creates and the provider connects as (postgres.adminUser). */
  readonly adminUser: string;
  /** Port published on 127.0.0.1 for the Pulumi host (postgres.port). */
  readonly hostPort: number;
  /** Superuser password (secret); delivered as a file, never as an environment value. */
  readonly password: pulumi.Input<string>;
  /** Network Synapse uses to reach it (by container name). */
  readonly network: pulumi.Input<string>;
  /** Docker's log bound (containerLogs). */
  readonly containerLogs: ContainerLogs;
  /** Memory limit in MiB (postgres.memoryMb); absent = none. */
  readonly memoryMb?: number;
}

const PASSWORD_FILE = "/run/eqmd-matrix/postgres-password";

/**
 * Dev stacks only: a PostgreSQL container so `pulumi up --stack dev` needs nothing but Docker.
 * Lives outside MatrixStack, like eqmd's own PostgreSQL: a reset leaves it (and its data
 * volume) alone and only drops Synapse's database inside it.
 */
export class ManagedPostgres extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: ManagedPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.ManagedPostgres, name, {}, opts);
    const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
    const data = new docker.Volume(
      `${name}-data`,
      { name: args.dataVolumeName },
      { parent: this, deleteBeforeReplace: true },
    );
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: args.containerName,
        image: image.imageId,
        envs: [
          `POSTGRES_USER=${args.adminUser}`,
          `POSTGRES_PASSWORD_FILE=${PASSWORD_FILE}`,
          // The cluster-wide locale eqmd's compose uses; Synapse's database states its own too.
          "POSTGRES_INITDB_ARGS=--encoding=UTF-8 --lc-collate=C --lc-ctype=C",
        ],
        // The alpine image's postgres user is UID 70; the entrypoint reads the file as it.
        uploads: [{ file: PASSWORD_FILE, content: args.password, owner: "70", group: "70", permissions: "0400" }],
        volumes: [{ volumeName: data.name, containerPath: "/var/lib/postgresql/data" }],
        networksAdvanced: [{ name: args.network, aliases: ["postgres"] }],
        ports: publishedPorts({ ip: "127.0.0.1", port: args.hostPort }, 5432),
        restart: "unless-stopped",
        healthcheck: {
          // Over TCP: during first init the entrypoint's temporary server listens on the socket only,
          // and the provider connects through the published TCP port.
          tests: ["CMD-SHELL", `pg_isready -h 127.0.0.1 -p 5432 -U ${args.adminUser} -d postgres`],
          interval: goDuration(HEALTH_PROBE_INTERVAL_SECONDS),
          timeout: goDuration(5),
          retries: 10,
          startPeriod: goDuration(30),
        },
        wait: true,
        waitTimeout: 120,
        destroyGraceSeconds: 30,
        // The entrypoint drops from root to postgres with setuid calls, not a setuid binary, so
        // no process needs to gain privileges. Not read-only: a dev convenience, outside MatrixStack.
        securityOpts: ["no-new-privileges:true"],
        ...boundedLog(args.containerLogs),
        ...memoryLimit(args.memoryMb),
        labels: [{ label: "eqmd.matrix/role", value: "dev-postgres" }],
      },
      { parent: this, ...SERVICE_REPLACEMENT },
    );
    this.registerOutputs({ containerName: this.container.name });
  }
}
