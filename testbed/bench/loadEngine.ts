/**
 * CPU and memory of a stack's containers during a phase, from the Docker engine's API on its
 * unix socket (the numbers `docker stats` prints, without a CLI process per sample). CPU is
 * the container's cumulative CPU time read at the start and the end of the window, so the
 * figure is the mean over the whole window, not a 1-second glimpse; memory is sampled every
 * few seconds and the highest kept.
 */
import * as http from "node:http";
import { ContainerUse } from "./loadStats";

const SOCKET = (process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock").replace(/^unix:\/\//, "");

function engineGet(path: string, timeoutMs = 15_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: SOCKET, path: `/v1.41${path}`, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`engine GET ${path}: ${res.statusCode} ${body.slice(0, 200)}`));
        else resolve(JSON.parse(body));
      });
    });
    req.on("timeout", () => req.destroy(new Error(`engine GET ${path}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/** Running containers whose name starts with `prefix_`, by name. */
export async function runningContainers(prefix: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ name: [`^/${prefix}_`] }));
  const list = (await engineGet(`/containers/json?filters=${filters}`)) as { Names: string[] }[];
  return list.map((c) => (c.Names[0] ?? "").replace(/^\//, "")).sort();
}

interface Sample {
  readonly cpuNs: number;
  readonly memBytes: number;
}

async function sample(name: string): Promise<Sample> {
  const s = (await engineGet(`/containers/${encodeURIComponent(name)}/stats?stream=false&one-shot=true`)) as {
    cpu_stats?: { cpu_usage?: { total_usage?: number } };
    memory_stats?: { usage?: number; stats?: Record<string, number> };
  };
  const mem = s.memory_stats ?? {};
  // As the docker CLI: cgroup v1 reports total_inactive_file, v2 inactive_file.
  const inactive = mem.stats?.["total_inactive_file"] ?? mem.stats?.["inactive_file"] ?? 0;
  return { cpuNs: s.cpu_stats?.cpu_usage?.total_usage ?? 0, memBytes: Math.max(0, (mem.usage ?? 0) - inactive) };
}

/** Watches the named containers from now until `stop()`; bounded by the caller's phase. */
export async function watchContainers(
  names: readonly string[],
  everyMs = 5_000,
): Promise<{ stop: () => Promise<ContainerUse[]> }> {
  const startedAt = process.hrtime.bigint();
  const first = new Map(await Promise.all(names.map(async (n) => [n, await sample(n)] as const)));
  const peak = new Map(names.map((n) => [n, first.get(n)?.memBytes ?? 0]));
  let pending: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    pending = Promise.all(
      names.map(async (n) => {
        const s = await sample(n).catch(() => undefined);
        if (s) peak.set(n, Math.max(peak.get(n) ?? 0, s.memBytes));
      }),
    );
  }, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await pending;
      const last = await Promise.all(names.map(async (n) => [n, await sample(n)] as const));
      const wallNs = Number(process.hrtime.bigint() - startedAt);
      return last.map(([name, s]) => ({
        name,
        cpuPct: (100 * (s.cpuNs - (first.get(name)?.cpuNs ?? 0))) / wallNs,
        memMib: Math.max(peak.get(name) ?? 0, s.memBytes) / (1024 * 1024),
      }));
    },
  };
}
