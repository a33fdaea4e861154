/**
 * The worker processes `synapse.workers` asks for, in one fixed order (their names, their
 * metrics ports and the router's upstreams all follow it). Pure: reads only the parsed config.
 */
import type { ParsedConfig } from "./schema";

/** What a worker does (Synapse's docs/workers.md): each kind has its own routes or duty. */
export type WorkerKind = "sync" | "client" | "media" | "background" | "events";

export interface WorkerSpec {
  /** Synapse's `worker_name`, unique: `<kind><n>` such as sync1. */
  readonly name: string;
  readonly kind: WorkerKind;
  /** Synapse's `worker_app`: the media repository keeps its own app name (docs/workers.md). */
  readonly app: "synapse.app.generic_worker" | "synapse.app.media_repository";
}

/** The workers, in order: sync, client, media, background, event persisters. */
export function workerSpecs(w: NonNullable<ParsedConfig["synapse"]["workers"]>): WorkerSpec[] {
  const many = (kind: WorkerKind, count: number): WorkerSpec[] =>
    Array.from({ length: count }, (_, i) => ({
      name: `${kind}${i + 1}`,
      kind,
      app: kind === "media" ? "synapse.app.media_repository" : "synapse.app.generic_worker",
    }));
  return [
    ...many("sync", w.sync),
    ...many("client", w.client),
    ...many("media", w.media ? 1 : 0),
    ...many("background", w.background ? 1 : 0),
    ...many("events", w.eventPersisters),
  ];
}

/** Docker's name of a worker's container: `<synapse container>_<worker name>`. */
export function workerContainerName(synapseContainer: string, worker: string): string {
  return `${synapseContainer}_${worker}`;
}

/**
 * The host name the other processes and the router reach a Synapse process by: its container
 * name with `-` for `_`, as a network alias. Synapse's HTTP client refuses a host name with
 * `_` ("invalid hostname", seen on the real engine), so the container name itself will not do.
 */
export function processHost(containerName: string): string {
  return containerName.replace(/_/g, "-");
}

/**
 * homeserver.yaml keys the worker mode writes itself: with workers on, `synapse.extraSettings`
 * must leave them alone (one owner per key).
 */
export const WORKER_HOMESERVER_KEYS = [
  "instance_map",
  "redis",
  "stream_writers",
  "run_background_tasks_on",
  "media_instance_running_background_jobs",
  "enable_media_repo",
  "enable_metrics",
  "listeners",
] as const;
