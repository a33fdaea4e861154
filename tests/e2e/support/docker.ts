/** The Docker engine as the tests see it, through the docker CLI (never through Pulumi). */
import { spawn } from "node:child_process";
import { runCommand } from "../../contract/support/run";

export async function docker(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return (await runCommand(["docker", ...args], { timeoutMs })).stdout.trim();
}

/** `docker inspect` of one container, parsed; undefined when there is no such container. */
export async function inspectContainer(name: string): Promise<Record<string, unknown> | undefined> {
  const result = await runCommand(["docker", "inspect", "--type", "container", name], { allowFailure: true });
  if (result.code !== 0) return undefined;
  return (JSON.parse(result.stdout) as Record<string, unknown>[])[0];
}

/** The container's id, start time and health (when it has a healthcheck), as Docker reports them. */
export async function containerState(name: string): Promise<{ id: string; startedAt: Date; health?: string }> {
  // JSON rather than a `.State.Health` template: the engine's templates fail on a missing key,
  // and a container without a healthcheck has no Health at all (seen on Engine 20.10).
  const [id, state] = (await docker(["inspect", "-f", "{{.Id}} {{json .State}}", name])).split(/ (.*)/s);
  const parsed = JSON.parse(state) as { StartedAt: string; Health?: { Status?: string } };
  return { id, startedAt: new Date(parsed.StartedAt), health: parsed.Health?.Status || undefined };
}

/**
 * Counts the starts of containers named `name` from now until `stop()`, from a live
 * `docker events` stream. Not `docker events --since`: the engine keeps only its last 256
 * events, and every health probe is three exec events, so with a few containers probing each
 * second a start a minute old is already gone (seen when a dev stack ran beside the tier).
 */
export async function watchStarts(name: string, deadlineMs = 30 * 60_000): Promise<{ stop: () => Promise<number> }> {
  const events = await watchEvents(name, "start", "{{.ID}}", deadlineMs);
  return { stop: async () => (await events.stop()).length };
}

/**
 * The events of containers named `name` whose action is `event` (or one of them) from now until
 * `stop()`, one formatted line each, from a live `docker events` stream (see watchStarts for
 * why not `--since`).
 */
export function watchEvents(
  name: string,
  event: string | readonly string[],
  format: string,
  deadlineMs = 30 * 60_000,
): Promise<{ stop: () => Promise<string[]> }> {
  const events = typeof event === "string" ? [event] : event;
  return streamEvents([`container=${name}`, ...events.map((e) => `event=${e}`)], format, deadlineMs);
}

/**
 * The events of the volume `name` whose action is one of `events` (create, destroy, …), as watchEvents. The way to tell
 * that a volume was not recreated: its CreatedAt is the mtime of its data folder on Engine
 * 20.10 and moves when Synapse adds a folder to the media store, and the engine reports a
 * `create` each time a container mounts the existing volume (both seen in adopt.test.ts), so
 * only `destroy` tells.
 */
export function watchVolumeEvents(
  name: string,
  events: readonly string[],
  deadlineMs = 30 * 60_000,
): Promise<{ stop: () => Promise<string[]> }> {
  // Filters of one key are OR-ed, of different keys AND-ed.
  const filters = ["type=volume", `volume=${name}`, ...events.map((e) => `event=${e}`)];
  return streamEvents(filters, "{{.Action}} {{.Actor.ID}}", deadlineMs);
}

async function streamEvents(
  filters: readonly string[],
  format: string,
  deadlineMs: number,
): Promise<{ stop: () => Promise<string[]> }> {
  const child = spawn("docker", ["events", ...filters.flatMap((f) => ["--filter", f]), "--format", format]);
  let lines = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (lines += chunk));
  const ended = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const timer = setTimeout(() => child.kill(), deadlineMs);
  // The CLI has no "subscribed" signal; a second is ample for it to start and connect.
  await new Promise((r) => setTimeout(r, 1_000));
  return {
    stop: async () => {
      // Events reach the stream asynchronously: give the last one a moment before counting.
      await new Promise((r) => setTimeout(r, 1_000));
      clearTimeout(timer);
      child.kill();
      await ended;
      return lines.split("\n").filter((line) => line !== "");
    },
  };
}

/**
 * `sha256sum` of every file in Synapse's media store, one line each, sorted; read inside the
 * container as Synapse's user (EQMD_UID), from whichever container holds the name now.
 */
export async function mediaDigest(synapseContainer: string): Promise<string> {
  return docker([
    "exec",
    "-u",
    "1001:1001",
    synapseContainer,
    "sh",
    "-c",
    "cd /data/media_store && find . -type f | sort | xargs -r sha256sum",
  ]);
}

/** Names of the containers, volumes and networks whose names match `pattern`. */
export async function dockerObjects(pattern: RegExp): Promise<string[]> {
  const lists = await Promise.all([
    docker(["ps", "-a", "--format", "{{.Names}}"]),
    docker(["volume", "ls", "--format", "{{.Name}}"]),
    docker(["network", "ls", "--format", "{{.Name}}"]),
  ]);
  return lists
    .flatMap((list) => list.split("\n"))
    .filter((name) => name !== "" && pattern.test(name))
    .sort();
}

/**
 * Removes what an earlier, interrupted run of this tier left on the engine: containers, then
 * networks, then volumes whose names start with `<prefix>_`. Only for a prefix that nothing but
 * the tier uses (differences.ts), so it never touches a stack someone else runs here.
 */
export async function removeLeftovers(prefix: string): Promise<string[]> {
  const ours = (list: string): string[] => list.split("\n").filter((name) => name.startsWith(`${prefix}_`));
  const containers = ours(await docker(["ps", "-a", "--format", "{{.Names}}"]));
  if (containers.length > 0) await docker(["rm", "-f", "-v", ...containers]);
  const networks = ours(await docker(["network", "ls", "--format", "{{.Name}}"]));
  if (networks.length > 0) await docker(["network", "rm", ...networks]);
  const volumes = ours(await docker(["volume", "ls", "--format", "{{.Name}}"]));
  if (volumes.length > 0) await docker(["volume", "rm", "-f", ...volumes]);
  return [...containers, ...networks, ...volumes];
}
