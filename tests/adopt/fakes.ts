/**
 * Recording fakes for the adopt: a stack that logs every call, and a host whose psql and
 * docker answers are given by the test (what eqmd's procedure leaves behind by default).
 */
import type { Deployment } from "@pulumi/pulumi/automation";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CommandResult, CommandSpec } from "../../ops/reset/types";
import {
  AdoptDeps,
  AdoptEngineEvent,
  AdoptImportOptions,
  AdoptStack,
  ContainerFacts,
  DatabaseFacts,
  RoleFacts,
  VolumeFacts,
} from "../../ops/adopt/types";

export const STACK = "prod";
export const ADMIN_PASSWORD = "s3cr3t-admin-pw";
export const SYNAPSE_ID = "a".repeat(64);
export const ELEMENT_ID = "b".repeat(64);

/** Pulumi.prod.yaml's config as the Automation API reports it, plus the secret admin password. */
export function prodConfig(
  overrides: Record<string, unknown> = {},
): Record<string, { value: string; secret?: boolean }> {
  const file = parse(readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const out: Record<string, { value: string; secret?: boolean }> = {};
  for (const [k, v] of Object.entries({ ...file.config, ...overrides })) {
    if (v === null) continue;
    out[k] = { value: typeof v === "string" ? v : JSON.stringify(v) };
  }
  out["eqmd-matrix:postgresAdminPassword"] = { value: ADMIN_PASSWORD, secret: true };
  return out;
}

/** What eqmd's bootstrap_matrix_db.py and compose leave on a prod host (prefix eqmd). */
export interface FakeHost {
  role?: RoleFacts;
  database?: DatabaseFacts;
  volume?: VolumeFacts;
  synapse?: ContainerFacts;
  element?: ContainerFacts;
  /** Make one command fail: matched against argv joined by spaces. */
  failing?: { match: RegExp; stderr: string };
}

export function eqmdHost(): FakeHost {
  return {
    role: { name: "matrix_user", superuser: false, canLogin: true },
    database: {
      name: "matrix_db",
      owner: "eqmd_user",
      encoding: "UTF8",
      lcCollate: "C",
      lcCtype: "C",
      synapse: { serverNames: ["matrix.yourhospital.com"], users: 12, rooms: 4, localMedia: 7, schemaVersion: 83 },
    },
    volume: {
      name: "eqmd_matrix_media_store",
      driver: "local",
      labels: { "com.docker.compose.project": "eqmd", "com.docker.compose.volume": "matrix_media_store" },
    },
    synapse: {
      name: "eqmd_matrix_synapse",
      id: SYNAPSE_ID,
      image: "eqmd-synapse:v1.99.0",
      status: "running",
      labels: {},
    },
    element: {
      name: "eqmd_element_web",
      id: ELEMENT_ID,
      image: "vectorim/element-web:v1.11.58",
      status: "running",
      labels: {},
    },
  };
}

const ok = (stdout: string): CommandResult => ({ exitCode: 0, stdout, stderr: "" });
const missing = (what: string): CommandResult => ({ exitCode: 1, stdout: "", stderr: `Error: No such ${what}` });

/** Answers psql and docker inspect like the real tools, from `host`. */
export function hostCommands(host: FakeHost, log: CommandSpec[]): (spec: CommandSpec) => Promise<CommandResult> {
  return (spec) => {
    log.push(spec);
    const line = spec.argv.join(" ");
    if (host.failing && host.failing.match.test(line)) {
      return Promise.resolve({ exitCode: 2, stdout: "", stderr: host.failing.stderr });
    }
    const [program, kind, , name] = spec.argv;
    if (program === "docker") {
      const volume = host.volume;
      if (kind === "volume") {
        return Promise.resolve(
          volume && volume.name === name
            ? ok(JSON.stringify([{ Name: volume.name, Driver: volume.driver, Labels: volume.labels }]))
            : missing("volume"),
        );
      }
      const c = [host.synapse, host.element].find((x) => x?.name === name);
      return Promise.resolve(
        c
          ? ok(
              JSON.stringify([{ Id: c.id, Config: { Image: c.image, Labels: c.labels }, State: { Status: c.status } }]),
            )
          : missing("container"),
      );
    }
    const sql = spec.argv.find((a) => a.startsWith("--command="))?.slice("--command=".length) ?? "";
    const db = host.database;
    if (sql.includes("pg_roles")) return Promise.resolve(ok(host.role ? JSON.stringify(host.role) : ""));
    if (sql.includes("pg_database")) {
      if (!db) return Promise.resolve(ok(""));
      const { synapse: _s, ...row } = db;
      void _s;
      return Promise.resolve(ok(JSON.stringify(row)));
    }
    if (sql.includes("to_regclass")) {
      const has = db?.synapse !== undefined;
      return Promise.resolve(
        ok(JSON.stringify({ users: has, rooms: has, local_media_repository: has, schema_version: has })),
      );
    }
    return Promise.resolve(ok(JSON.stringify(db?.synapse)));
  };
}

export type StackCall =
  | { readonly method: "getAllConfig" | "exportStack" }
  | { readonly method: "importStack"; readonly state: Deployment }
  | { readonly method: "up" }
  | { readonly method: "recordProviders"; readonly target: string[] }
  | { readonly method: "import"; readonly opts: AdoptImportOptions }
  | { readonly method: "preview" };

export interface FakeStackInit {
  config?: Record<string, { value: string; secret?: boolean }>;
  resources?: Array<{ urn: string; type: string }>;
  /** Builds the preview's events from the import request (what the engine would plan). */
  previewEvents?: (imported: AdoptImportOptions | undefined) => AdoptEngineEvent[];
  fail?: Partial<Record<"import" | "preview" | "up" | "providers", string>>;
}

export function fakeStack(init: FakeStackInit, calls: StackCall[]): AdoptStack {
  let imported: AdoptImportOptions | undefined;
  const state: Deployment = { version: 3, deployment: { resources: init.resources ?? [] } };
  return {
    name: STACK,
    getAllConfig: () => {
      calls.push({ method: "getAllConfig" });
      return Promise.resolve(init.config ?? prodConfig());
    },
    exportStack: () => {
      calls.push({ method: "exportStack" });
      return Promise.resolve(structuredClone(state));
    },
    importStack: (saved) => {
      calls.push({ method: "importStack", state: saved });
      return Promise.resolve();
    },
    up: () => {
      calls.push({ method: "up" });
      return init.fail?.up ? Promise.reject(new Error(init.fail.up)) : Promise.resolve({});
    },
    recordProviders: (opts) => {
      calls.push({ method: "recordProviders", target: [...opts.target] });
      return init.fail?.providers ? Promise.reject(new Error(init.fail.providers)) : Promise.resolve({});
    },
    import: (opts) => {
      calls.push({ method: "import", opts });
      imported = opts;
      return init.fail?.import ? Promise.reject(new Error(init.fail.import)) : Promise.resolve({});
    },
    preview: (opts) => {
      calls.push({ method: "preview" });
      if (init.fail?.preview) return Promise.reject(new Error(init.fail.preview));
      for (const e of init.previewEvents?.(imported) ?? []) opts.onEvent?.(e);
      return Promise.resolve({ changeSummary: { same: 20, update: 2, replace: 2 } });
    },
  };
}

export interface Harness {
  deps: AdoptDeps;
  calls: StackCall[];
  commands: CommandSpec[];
  out: () => string;
  err: () => string;
}

export function harness(
  host: FakeHost,
  init: FakeStackInit = {},
  io: { isTTY?: boolean; answer?: string } = {},
): Harness {
  const calls: StackCall[] = [];
  const commands: CommandSpec[] = [];
  let out = "";
  let err = "";
  return {
    calls,
    commands,
    out: () => out,
    err: () => err,
    deps: {
      stack: fakeStack(init, calls),
      isTTY: io.isTTY ?? false,
      prompt: () => Promise.resolve(io.answer),
      runCommand: hostCommands(host, commands),
      write: (t) => (out += t),
      writeError: (t) => (err += t),
    },
  };
}

/** A preview event as the engine sends it. */
export function event(op: string, urn: string, diffs: string[] = []): AdoptEngineEvent {
  return { resourcePreEvent: { metadata: { op, urn, type: "", diffs } as { op: string; urn: string; type: string } } };
}
