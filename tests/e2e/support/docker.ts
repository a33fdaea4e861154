/** The Docker engine as the tests see it, through the docker CLI (never through Pulumi). */
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

/** The container's id and start time, as Docker reports them. */
export async function containerState(name: string): Promise<{ id: string; startedAt: Date; health?: string }> {
  const raw = await docker([
    "inspect",
    "-f",
    "{{.Id}} {{.State.StartedAt}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
    name,
  ]);
  const [id, startedAt, health] = raw.split(" ");
  return { id, startedAt: new Date(startedAt), health: health || undefined };
}

/** How many times containers named `name` were started since `since` (Docker's events). */
export async function startsSince(name: string, since: Date): Promise<number> {
  const out = await docker([
    "events",
    "--since",
    String(Math.floor(since.getTime() / 1000)),
    "--until",
    String(Math.ceil(Date.now() / 1000)),
    "--filter",
    `container=${name}`,
    "--filter",
    "event=start",
    "--format",
    "{{.ID}}",
  ]);
  return out === "" ? 0 : out.split("\n").length;
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
