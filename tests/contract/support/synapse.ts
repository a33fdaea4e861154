/**
 * Starts a real Synapse (the `matrix-synapse` package in a venv) on the files its container
 * would receive, without a container:
 *
 * - PATH MAPPING: every file is given by its container path (under /data); it is written under
 *   a private directory, `<root>/data/…`. In the YAML files, every string that is `/data` or
 *   starts with `/data/` is rewritten to the mapped path; so are `/data` values in `env`.
 *   The machine's own /data is never touched.
 * - PORT MAPPING: like `docker run -p 127.0.0.1:<port>:8008`, a listener on the container port
 *   is moved to `<port>` and bound to 127.0.0.1.
 * - VOLUMES: `mounts` maps a container directory (e.g. /data/media_store) to a host directory
 *   that outlives this start (a symlink inside the private tree).
 * - USER: with `runAs`, the files get their declared owners and Synapse runs as that UID/GID
 *   through `setpriv` (needs root), as the container's `user:` line would.
 *
 * `python -m synapse.config` checks the files first ("Config parses OK!"), then
 * `python -m synapse.app.homeserver -c … -c …` runs until `stop()`; the start counts as
 * healthy when GET /health answers 200. `synapseStartCount()` counts homeserver launches.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, isSeq, parseDocument, visit } from "yaml";
import { SYNAPSE_DATA_DIR, SYNAPSE_LISTEN_PORT } from "../../../render/paths";
import { WORK_DIR, venvPython } from "./paths";
import { ProcessHandle, describeExit, startProcess } from "./processes";
import { runCommand } from "./run";
import { waitFor } from "./waitFor";

export interface SynapseFile {
  content: string | Buffer;
  /** File mode (default 0o644). */
  mode?: number;
  /** Owner the upload declares; applied when running as root. */
  owner?: { uid: number; gid: number };
}

export interface StartSynapseOptions {
  /** Venv holding `matrix-synapse[postgres]`. */
  venv: string;
  /** Container path (under /data) → file, as the container would receive them. */
  files: Readonly<Record<string, SynapseFile>>;
  /** Container paths of the config files, passed as `-c` in this order. */
  configPaths: readonly string[];
  /** Host port on 127.0.0.1 the client listener is published on. */
  port: number;
  /** The listener port inside the container (default SYNAPSE_LISTEN_PORT, 8008). */
  containerPort?: number;
  /** Container environment; values under /data are mapped. PYTHONPATH defaults to /data/modules. */
  env?: Readonly<Record<string, string>>;
  /** Container directory → host directory kept across starts (volumes). */
  mounts?: Readonly<Record<string, string>>;
  /** Run Synapse (and the config check) as this user, via setpriv. Needs root. */
  runAs?: { uid: number; gid: number };
  /** Private directory for this start, must not hold a `data` dir yet (default: a new one under tests/contract/.work; never deleted here, it keeps the logs). */
  root?: string;
  /** Budget for /health to answer 200 (default 180 s). */
  healthDeadlineMs?: number;
  /** Runs once the files are in place, before `python -m synapse.config` (e.g. extra checks on them). */
  beforeCheck?: (hostPath: (containerPath: string) => string) => Promise<void>;
}

export interface SynapseHandle {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  port: number;
  /** The private directory; `<root>/data` stands for the container's /data. */
  root: string;
  process: ProcessHandle;
  /** Output of `python -m synapse.config` (contains "Config parses OK!"). */
  configCheck: string;
  configCheckMs: number;
  /** From launching the homeserver to /health answering 200. */
  startupMs: number;
  /** Host path of a container path under /data. */
  hostPath(containerPath: string): string;
  stop(): Promise<void>;
}

let starts = 0;

/** How many times a homeserver process was launched in this test process. */
export function synapseStartCount(): number {
  return starts;
}

export async function startSynapse(options: StartSynapseOptions): Promise<SynapseHandle> {
  const root = options.root ?? makePrivateRoot();
  const dataDir = path.join(root, "data");
  const hostPath = (containerPath: string): string => mapContainerPath(containerPath, dataDir);
  const runAs = options.runAs;
  if (runAs && process.getuid?.() !== 0) {
    throw new Error(
      `running Synapse as uid ${runAs.uid} uses setpriv and needs root; run the contract tests as root or omit runAs`,
    );
  }

  if (fs.existsSync(dataDir)) {
    throw new Error(`${dataDir} already exists: every start gets a fresh private root (keep state in \`mounts\`)`);
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(root, 0o755);
  if (runAs) {
    // The container's /data volume belongs to the user Synapse runs as.
    fs.chownSync(dataDir, runAs.uid, runAs.gid);
  }
  for (const [containerDir, hostDir] of Object.entries(options.mounts ?? {})) {
    fs.mkdirSync(hostDir, { recursive: true });
    if (runAs) {
      fs.chownSync(hostDir, runAs.uid, runAs.gid);
    }
    const link = hostPath(containerDir);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.resolve(hostDir), link);
  }

  const containerPort = options.containerPort ?? SYNAPSE_LISTEN_PORT;
  let listenerMapped = false;
  for (const [containerPath, file] of Object.entries(options.files)) {
    const target = hostPath(containerPath);
    let content = file.content;
    if (/\.ya?ml$/.test(containerPath)) {
      const mapped = mapYaml(content.toString(), dataDir, containerPort, options.port);
      content = mapped.text;
      listenerMapped ||= mapped.listenerMapped;
    }
    ensureDir(path.dirname(target), dataDir, file.owner);
    fs.writeFileSync(target, content, { mode: file.mode ?? 0o644 });
    fs.chmodSync(target, file.mode ?? 0o644);
    if (file.owner && process.getuid?.() === 0) {
      fs.chownSync(target, file.owner.uid, file.owner.gid);
    }
  }
  for (const configPath of options.configPaths) {
    if (!(configPath in options.files)) {
      throw new Error(`config path ${configPath} is not among the uploaded files`);
    }
  }
  if (!listenerMapped) {
    throw new Error(`no listener on container port ${containerPort} (or host port ${options.port}) in the YAML files`);
  }

  const env: Record<string, string> = { PYTHONPATH: hostPath(`${SYNAPSE_DATA_DIR}/modules`) };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    env[name] = isDataPath(value) ? hostPath(value) : value;
  }
  const prefix = runAs ? ["setpriv", `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--clear-groups", "--"] : [];
  const python = venvPython(options.venv);
  const configArgs = options.configPaths.flatMap((p) => ["-c", hostPath(p)]);

  await options.beforeCheck?.(hostPath);
  const check = await runCommand([...prefix, python, "-m", "synapse.config", ...configArgs], {
    cwd: dataDir,
    env,
    allowFailure: true,
    timeoutMs: 60_000,
  });
  const configCheck = `${check.stdout}${check.stderr}`;
  if (check.code !== 0 || !check.stdout.includes("Config parses OK!")) {
    throw new Error(`python -m synapse.config rejected the files (exit ${String(check.code)}):\n${configCheck.trim()}`);
  }

  const baseUrl = `http://127.0.0.1:${options.port}`;
  // Something else answering on the port would pass the health check below.
  const occupied = await fetch(`${baseUrl}/health`).then(
    () => true,
    () => false,
  );
  if (occupied) {
    throw new Error(
      `127.0.0.1:${options.port} already answers HTTP: another Synapse (or something else) holds the port`,
    );
  }
  starts += 1;
  const launched = Date.now();
  const proc = await startProcess("synapse", [...prefix, python, "-m", "synapse.app.homeserver", ...configArgs], {
    cwd: dataDir,
    env,
    logFile: path.join(root, "synapse.log"),
    graceMs: 15_000,
  });
  try {
    await waitFor(async () => (await fetch(`${baseUrl}/health`)).status === 200, {
      deadlineMs: options.healthDeadlineMs ?? 180_000,
      intervalMs: 200,
      what: `Synapse /health on ${baseUrl}`,
      abortIf: () => {
        const exit = proc.exitInfo();
        return exit ? `Synapse exited (${describeExit(exit)}); log tail:\n${proc.logTail()}` : undefined;
      },
    });
    const exit = proc.exitInfo();
    if (exit) {
      throw new Error(`Synapse exited (${describeExit(exit)}) although /health answered; log tail:\n${proc.logTail()}`);
    }
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    baseUrl,
    port: options.port,
    root,
    process: proc,
    configCheck,
    configCheckMs: check.durationMs,
    startupMs: Date.now() - launched,
    hostPath,
    stop: async () => {
      await proc.stop();
    },
  };
}

function makePrivateRoot(): string {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  return fs.mkdtempSync(path.join(WORK_DIR, "synapse-"));
}

function isDataPath(value: string): boolean {
  return value === SYNAPSE_DATA_DIR || value.startsWith(`${SYNAPSE_DATA_DIR}/`);
}

function mapContainerPath(containerPath: string, dataDir: string): string {
  if (!isDataPath(containerPath) || path.posix.normalize(containerPath) !== containerPath) {
    throw new Error(
      `${containerPath} is not a normalised path under ${SYNAPSE_DATA_DIR}: Synapse only receives files there`,
    );
  }
  return path.join(dataDir, containerPath.slice(SYNAPSE_DATA_DIR.length));
}

/** Creates missing parents of an upload, owned like the upload (as `docker cp` would leave them). */
function ensureDir(dir: string, dataDir: string, owner: SynapseFile["owner"]): void {
  if (fs.existsSync(dir)) {
    return;
  }
  ensureDir(path.dirname(dir), dataDir, owner);
  fs.mkdirSync(dir, { mode: 0o755 });
  if (owner && process.getuid?.() === 0) {
    fs.chownSync(dir, owner.uid, owner.gid);
  }
}

/** Applies the path and port mapping to one YAML file; returns the text and whether a listener moved. */
function mapYaml(
  text: string,
  dataDir: string,
  containerPort: number,
  hostPort: number,
): { text: string; listenerMapped: boolean } {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new Error(`invalid YAML upload: ${doc.errors[0].message}`);
  }
  let changed = false;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && isDataPath(node.value)) {
        node.value = mapContainerPath(node.value, dataDir);
        changed = true;
      }
    },
  });
  let listenerMapped = false;
  const listeners = isMap(doc.contents) ? doc.contents.get("listeners", true) : undefined;
  if (isSeq(listeners)) {
    for (const item of listeners.items) {
      if (!isMap(item)) {
        continue;
      }
      const port = item.get("port", true);
      const value = isScalar(port) ? Number(port.value) : NaN;
      if (value === containerPort || value === hostPort) {
        item.set("port", hostPort);
        item.set("bind_addresses", doc.createNode(["127.0.0.1"]));
        listenerMapped = true;
        changed = true;
      }
    }
  }
  return { text: changed ? doc.toString() : text, listenerMapped };
}
