/**
 * Container settings every long-running container of the program shares: a bounded log, and
 * (for the Matrix containers) eqmd's hardening from its docker-compose.deploy.yml: a non-root
 * user, no capability, no privilege gain, a read-only root with a tmpfs /tmp, an init process.
 * The policy pack (policy/longRunningContainersAreHardened.ts) refuses a container without them.
 */
import type * as docker from "@pulumi/docker";

/** Docker's json-file log, rotated: without max-size a host that runs for months fills its disk. */
export interface ContainerLogs {
  /** Size of one log file before Docker rotates it, e.g. "10m" (containerLogs.maxSize). */
  readonly maxSize: string;
  /** Log files kept per container (containerLogs.maxFiles). */
  readonly maxFiles: number;
}

/** The container args that bound its log. */
export function boundedLog(logs: ContainerLogs): Pick<docker.ContainerArgs, "logDriver" | "logOpts"> {
  return { logDriver: "json-file", logOpts: { "max-size": logs.maxSize, "max-file": String(logs.maxFiles) } };
}

/**
 * tmpfs mounts as Docker stores them, owned by the user the container runs as ("UID:GID"):
 * Docker gives a tmpfs the image folder's owner and mode (seen on Engine 20.10: a `mode=1777`
 * option is overridden by a root-owned 0755 /var/cache/nginx), so only `uid=`/`gid=` make it
 * writable to a non-root process. `noexec,nosuid`: nothing is ever run from them.
 */
export function tmpfsMounts(paths: readonly string[], user: string): Record<string, string> {
  const [uid, gid] = user.split(":");
  return Object.fromEntries(paths.map((p) => [p, `rw,noexec,nosuid,uid=${uid},gid=${gid}`]));
}

/**
 * eqmd's hardening: no capability (spelled as Docker reads it back, else a refresh finds drift
 * and replaces the container), no privilege gain, a read-only root whose only writable paths are
 * the given tmpfs mounts and the container's volumes, and an init that reaps children and
 * forwards signals.
 */
export function hardened(
  user: string,
  tmpfs: readonly string[],
): Pick<docker.ContainerArgs, "user" | "capabilities" | "securityOpts" | "readOnly" | "tmpfs" | "init"> {
  return {
    user,
    capabilities: { drops: ["ALL"] },
    securityOpts: ["no-new-privileges:true"],
    readOnly: true,
    tmpfs: tmpfsMounts(tmpfs, user),
    init: true,
  };
}

/**
 * Docker's memory limit in MiB, when the stack sets one (no limit otherwise, as before). The
 * swap allowance is stated too, at what Docker gives a new container by default (as much swap
 * as memory): an in-place update of the limit alone is refused by the engine ("Memory limit
 * should be smaller than already set memoryswap limit"), seen when a running stack first set
 * synapse.memoryMb.
 */
export function memoryLimit(memoryMb: number | undefined): Pick<docker.ContainerArgs, "memory" | "memorySwap"> {
  return memoryMb === undefined ? {} : { memory: memoryMb, memorySwap: 2 * memoryMb };
}
