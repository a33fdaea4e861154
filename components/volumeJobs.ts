/**
 * One-shot jobs from Synapse's image that prepare a volume before Synapse starts: give a volume
 * to Synapse's user (the media store, the log folder), or write a set of files onto one (the
 * config and the secrets). Each job's `status` output is "ok" once it exited 0; it throws
 * otherwise, so Synapse (which carries the status as a label) never starts on a failure.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { shellQuote } from "./commands/exec";
import { boundedLog, ContainerLogs } from "./hardening";

export interface JobTarget {
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

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

export interface VolumeJob {
  readonly job: docker.Container;
  /** "ok" once the job exited 0 (a label of Synapse, so Synapse waits for it). */
  readonly status: pulumi.Output<string>;
}

/** Gives a volume to UID:GID, changing only what differs (so a large kept store costs little). */
export function volumeOwnerJob(
  resourceName: string,
  target: JobTarget,
  imageId: pulumi.Input<string>,
  ids: Owner,
  logs: ContainerLogs,
  opts: pulumi.CustomResourceOptions,
): VolumeJob {
  const owner = `${ids.uid}:${ids.gid}`;
  const script =
    `chown ${owner} ${target.path} && ` +
    `find ${target.path} -xdev \\( ! -user ${ids.uid} -o ! -group ${ids.gid} \\) -exec chown -h ${owner} {} +`;
  return oneShot(resourceName, target, imageId, logs, { command: [script] }, opts, `could not be chowned to ${owner}`);
}

/** One file a files job writes. */
export interface VolumeFile {
  /** Absolute path in the container, under the job's `path`. */
  readonly path: string;
  readonly content: pulumi.Input<string>;
}

export interface FilesJobArgs {
  readonly files: readonly VolumeFile[];
  /** Owner of each file (absent: root, as the image's own files). */
  readonly owner?: Owner;
  /** Mode of each file: 0400 for secrets (Synapse's user alone), 0444 for readable files. */
  readonly fileMode: "0400" | "0444";
  /**
   * What the volume holds besides the declared files. "nothing": every other file is removed
   * and the top folder gets `owner` and `dirMode`. A list of paths: the volume also holds the
   * image's own files (Element's web root), so only these program-managed paths are removed
   * when they are no longer declared.
   */
  readonly others: { readonly dirMode: "0500" | "0555" } | { readonly prune: readonly string[] };
}

/**
 * Writes `files` onto a volume. Docker copies the job's uploads into the mounted volume before
 * the job starts (the provider uploads through the container's root, which a read-only
 * container refuses); the job then removes what is no longer declared. All files of one job are
 * one `uploads` property: the caller keeps secret and readable files in separate jobs, because
 * the engine masks the whole property as soon as one file is secret.
 */
export function filesJob(
  resourceName: string,
  target: JobTarget,
  imageId: pulumi.Input<string>,
  args: FilesJobArgs,
  logs: ContainerLogs,
  opts: pulumi.CustomResourceOptions,
): VolumeJob {
  const relative = (file: string) => {
    if (!file.startsWith(`${target.path}/`)) throw new Error(`${file} is not under ${target.path}`);
    return `./${file.slice(target.path.length + 1)}`;
  };
  const declared = args.files.map((f) => relative(f.path));
  const steps = [`cd ${shellQuote(target.path)}`];
  if ("prune" in args.others) {
    const stale = args.others.prune.map(relative).filter((p) => !declared.includes(p));
    if (stale.length > 0) steps.push(`rm -f -- ${stale.map(shellQuote).join(" ")}`);
  } else {
    // The declared relative paths follow the script as its arguments ($1…).
    steps.push(
      'find . -mindepth 1 ! -type d | while IFS= read -r f; do keep=no; for k in "$@"; do [ "$f" = "$k" ] && keep=yes; done; [ "$keep" = yes ] || rm -f -- "$f"; done',
      "find . -mindepth 1 -type d -empty -delete",
    );
    if (args.owner) steps.push(`chown ${args.owner.uid}:${args.owner.gid} .`);
    steps.push(`chmod ${args.others.dirMode} .`);
  }
  const owner = args.owner;
  const uploads = args.files.map((f) => ({
    file: f.path,
    content: f.content,
    ...(owner ? { owner: String(owner.uid), group: String(owner.gid) } : {}),
    permissions: args.fileMode,
  }));
  return oneShot(
    resourceName,
    target,
    imageId,
    logs,
    { command: [steps.join(" && "), "files", ...declared], uploads },
    opts,
    "could not be written",
  );
}

/** A container that runs `/bin/sh -c <command…>` once as root with the volume mounted, then exits. */
function oneShot(
  resourceName: string,
  target: JobTarget,
  imageId: pulumi.Input<string>,
  logs: ContainerLogs,
  work: Pick<docker.ContainerArgs, "command" | "uploads">,
  opts: pulumi.CustomResourceOptions,
  failure: string,
): VolumeJob {
  const job = new docker.Container(
    resourceName,
    {
      name: target.jobName,
      image: imageId,
      // As root, to chown. An explicit user beside owned uploads makes Docker look that user up
      // in the host's passwd (seen on Engine 20.10: `getent unable to find entry "0:0"`), so a
      // job with uploads relies on the image's default user, root in Synapse's and Element's.
      ...(work.uploads ? {} : { user: "0:0" }),
      entrypoints: ["/bin/sh", "-c"],
      ...work,
      volumes: [{ volumeName: target.volume, containerPath: target.path }],
      attach: true,
      logs: true,
      mustRun: false,
      restart: "no",
      ...boundedLog(logs),
      labels: [{ label: "eqmd.matrix/role", value: target.role }],
    },
    opts,
  );
  // The job's exit code is only recorded by the provider; refuse to start Synapse on a failure.
  const status = job.exitCode.apply((code) => {
    if (code !== undefined && code !== 0) {
      throw new Error(`${target.jobName} exited with ${code}: ${target.what} ${failure}`);
    }
    return "ok";
  });
  return { job, status };
}
