import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { childOptions, SERVICE_REPLACEMENT } from "./childOptions";
import { HEALTH_PROBE_INTERVAL_SECONDS, goDuration } from "./duration";
import { boundedLog, ContainerLogs, hardened, memoryLimit } from "./hardening";
import { TYPE } from "./tokens";
import { filesJob } from "./volumeJobs";
import { REDIS_PATHS, SYNAPSE_PORTS } from "../render/paths";
import { renderRedisConf } from "../render/workers";

export interface RedisArgs {
  /** Redis' image (kept by a reset: components/matrixAssets.ts). */
  readonly image: docker.RemoteImage;
  /** Container name (`<prefix>_matrix_redis`): Synapse's processes find it by that name. */
  readonly containerName: string;
  /** The volume holding redis.conf (its password; kept by a reset) and the job that writes it whole. */
  readonly secrets: { readonly volume: docker.Volume; readonly jobName: string };
  /** Redis' password (secret): also Synapse's `redis.password_path` file. */
  readonly password: pulumi.Input<string>;
  /** "UID:GID" Redis runs as (Synapse's: the secret file is readable by it alone). */
  readonly uid: number;
  readonly gid: number;
  readonly network: pulumi.Input<string>;
  readonly containerLogs: ContainerLogs;
  readonly memoryMb?: number;
}

/**
 * Redis for Synapse's workers: the pub/sub channel their replication runs over. Not published
 * on the host, password-protected, keeps nothing on disk (replication is live traffic; the
 * shared cache refills itself), read-only root with a tmpfs /tmp as its working folder.
 */
export class Redis extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.Redis, name, {}, opts);
    const image = args.image;
    const volume = args.secrets.volume;
    // From Redis' own image, whose default user is root (the job chowns the file to UID:GID).
    const written = filesJob(
      `${name}-secrets-writer`,
      {
        jobName: args.secrets.jobName,
        role: "redis-secrets-writer-job",
        what: "Redis' password file",
        volume: volume.name,
        path: REDIS_PATHS.dir,
      },
      image.imageId,
      {
        files: [{ path: REDIS_PATHS.conf, content: pulumi.output(args.password).apply(renderRedisConf) }],
        owner: { uid: args.uid, gid: args.gid },
        fileMode: "0400",
        others: { dirMode: "0500" },
      },
      args.containerLogs,
      childOptions(this, opts),
    );
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: args.containerName,
        image: image.imageId,
        // The password stays in the file (with `save ""`: the provider refuses an empty argument);
        // the rest is readable here.
        command: [
          "redis-server",
          REDIS_PATHS.conf,
          "--port",
          String(SYNAPSE_PORTS.redis),
          "--appendonly",
          "no",
          "--dir",
          "/tmp",
        ],
        volumes: [{ volumeName: volume.name, containerPath: REDIS_PATHS.dir, readOnly: true }],
        networksAdvanced: [{ name: args.network }],
        restart: "unless-stopped",
        // An unauthenticated PING is answered NOAUTH: Redis is up, and no password is in argv.
        healthcheck: {
          tests: ["CMD-SHELL", "redis-cli ping 2>&1 | grep -qE 'PONG|NOAUTH'"],
          interval: goDuration(HEALTH_PROBE_INTERVAL_SECONDS),
          timeout: goDuration(5),
          retries: 3,
          startPeriod: goDuration(10),
        },
        wait: true,
        waitTimeout: 120,
        destroyGraceSeconds: 10,
        ...hardened(`${args.uid}:${args.gid}`, ["/tmp"]),
        ...boundedLog(args.containerLogs),
        ...memoryLimit(args.memoryMb),
        labels: [
          { label: "eqmd.matrix/role", value: "redis" },
          // Redis reads its password when it starts: a new file starts a new Redis.
          { label: "eqmd.matrix/credentials-job", value: written.job.id.apply((id) => id.slice(0, 12)) },
          { label: "eqmd.matrix/credentials-written", value: written.status },
        ],
      },
      childOptions(this, opts, { dependsOn: [written.job], ...SERVICE_REPLACEMENT }),
    );
    this.registerOutputs({ containerName: this.container.name });
  }
}
