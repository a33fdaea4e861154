/**
 * What the host already has, read before anything changes: the role and database in
 * pg_roles / pg_database (and, inside the database, whose users Synapse keeps there), the media
 * volume and the two hand-made containers through the docker CLI. psql connects as the
 * program's postgresql provider does (same host, port, admin user, sslmode); the password
 * travels only in PGPASSWORD.
 */
import { dockerEnv } from "../../components/dockerEnv";
import { lastLines } from "../reset/docker";
import { CommandSpec } from "../reset/types";
import { AdoptTarget } from "./target";
import { AdoptDeps, ContainerFacts, DatabaseFacts, HostObjects, RoleFacts, SynapseContent, VolumeFacts } from "./types";

export type InspectResult =
  | { readonly ok: true; readonly objects: HostObjects }
  | { readonly ok: false; readonly what: string; readonly message: string };

/** Reads every object; stops at the first one that cannot be read (nothing is changed). */
export async function inspectHost(deps: Pick<AdoptDeps, "runCommand">, target: AdoptTarget): Promise<InspectResult> {
  return guarded(async () => ({ ...(await postgresObjects(deps, target)), ...(await dockerObjects(deps, target)) }));
}

/** The role and the database only (what PostgreSQL holds). */
export function inspectPostgres(deps: Pick<AdoptDeps, "runCommand">, target: AdoptTarget): Promise<InspectResult> {
  return guarded(() => postgresObjects(deps, target));
}

async function postgresObjects(deps: Pick<AdoptDeps, "runCommand">, target: AdoptTarget): Promise<HostObjects> {
  const role = await readRole(deps, target);
  const database = await readDatabase(deps, target);
  return { ...(role ? { role } : {}), ...(database ? { database } : {}) };
}

async function dockerObjects(deps: Pick<AdoptDeps, "runCommand">, target: AdoptTarget): Promise<HostObjects> {
  const volume = await readVolume(deps, target);
  const synapseContainer = await readContainer(deps, target, target.synapseContainer);
  const elementContainer = await readContainer(deps, target, target.elementContainer);
  return {
    ...(volume ? { volume } : {}),
    ...(synapseContainer ? { synapseContainer } : {}),
    ...(elementContainer ? { elementContainer } : {}),
  };
}

async function guarded(read: () => Promise<HostObjects>): Promise<InspectResult> {
  try {
    return { ok: true, objects: await read() };
  } catch (err) {
    if (err instanceof InspectError) return { ok: false, what: err.what, message: err.message };
    throw err;
  }
}

class InspectError extends Error {
  constructor(
    readonly what: string,
    message: string,
  ) {
    super(message);
  }
}

/** A SQL string literal. */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function psqlCommand(target: AdoptTarget, sql: string, database = target.postgres.adminDatabase): CommandSpec {
  const p = target.postgres;
  return {
    argv: [
      "psql",
      "--no-psqlrc",
      "--quiet",
      "--no-align",
      "--tuples-only",
      "--set=ON_ERROR_STOP=1",
      `--host=${p.host}`,
      `--port=${p.port}`,
      `--username=${p.adminUser}`,
      `--dbname=${database}`,
      `--command=${sql}`,
    ],
    env: {
      ...(p.password !== undefined ? { PGPASSWORD: p.password } : {}),
      PGSSLMODE: p.sslmode,
      PGCONNECT_TIMEOUT: "10",
    },
  };
}

/** One JSON value per query (or nothing when no row matched). */
async function queryJson<T>(
  deps: Pick<AdoptDeps, "runCommand">,
  target: AdoptTarget,
  what: string,
  sql: string,
  database?: string,
): Promise<T | undefined> {
  const result = await deps.runCommand(psqlCommand(target, sql, database));
  if (result.exitCode !== 0) {
    const p = target.postgres;
    throw new InspectError(
      what,
      `psql as ${p.adminUser} on ${p.host}:${p.port} failed (exit ${result.exitCode}): ${lastLines(result.stderr) || "no message"}`,
    );
  }
  const text = result.stdout.trim();
  return text === "" ? undefined : (JSON.parse(text) as T);
}

export const ROLE_SQL = (role: string): string =>
  `SELECT json_build_object('name', rolname, 'superuser', rolsuper, 'canLogin', rolcanlogin)
     FROM pg_catalog.pg_roles WHERE rolname = ${sqlLiteral(role)}`;

export const DATABASE_SQL = (database: string): string =>
  `SELECT json_build_object('name', datname, 'owner', pg_catalog.pg_get_userbyid(datdba),
     'encoding', pg_catalog.pg_encoding_to_char(encoding), 'lcCollate', datcollate, 'lcCtype', datctype)
     FROM pg_catalog.pg_database WHERE datname = ${sqlLiteral(database)}`;

/** Synapse's own tables, when it ever ran on the database. */
const SYNAPSE_TABLES = ["users", "rooms", "local_media_repository", "schema_version"] as const;

const TABLES_SQL = `SELECT json_build_object(${SYNAPSE_TABLES.map(
  (t) => `'${t}', to_regclass('public.${t}') IS NOT NULL`,
).join(", ")})`;

/** Server names of the accounts (`@local:server` → `server`), and what there is to keep. */
const CONTENT_SQL = `SELECT json_build_object(
  'serverNames', (SELECT coalesce(json_agg(DISTINCT substr(name, strpos(name, ':') + 1)), '[]'::json) FROM users),
  'users', (SELECT count(*) FROM users),
  'rooms', (SELECT count(*) FROM rooms),
  'localMedia', (SELECT count(*) FROM local_media_repository),
  'schemaVersion', (SELECT max(version) FROM schema_version))`;

async function readRole(deps: Pick<AdoptDeps, "runCommand">, target: AdoptTarget): Promise<RoleFacts | undefined> {
  return queryJson<RoleFacts>(deps, target, `the role "${target.database.role}"`, ROLE_SQL(target.database.role));
}

async function readDatabase(
  deps: Pick<AdoptDeps, "runCommand">,
  target: AdoptTarget,
): Promise<DatabaseFacts | undefined> {
  const name = target.database.name;
  const what = `the database "${name}"`;
  const found = await queryJson<Omit<DatabaseFacts, "synapse">>(deps, target, what, DATABASE_SQL(name));
  if (!found) return undefined;
  const tables = await queryJson<Record<(typeof SYNAPSE_TABLES)[number], boolean>>(
    deps,
    target,
    what,
    TABLES_SQL,
    name,
  );
  if (!tables || !SYNAPSE_TABLES.every((t) => tables[t])) return found;
  const synapse = await queryJson<SynapseContent>(deps, target, what, CONTENT_SQL, name);
  return synapse ? { ...found, synapse } : found;
}

async function dockerInspect(
  deps: Pick<AdoptDeps, "runCommand">,
  target: AdoptTarget,
  kind: "volume" | "container",
  name: string,
): Promise<Record<string, unknown> | undefined> {
  const result = await deps.runCommand({ argv: ["docker", kind, "inspect", name], env: dockerEnv(target) });
  if (result.exitCode !== 0) {
    if (/no such (volume|container|object)/i.test(result.stderr)) return undefined;
    throw new InspectError(
      `the ${kind} "${name}"`,
      `docker ${kind} inspect failed (exit ${result.exitCode}): ${lastLines(result.stderr) || "no message"}`,
    );
  }
  const parsed = JSON.parse(result.stdout) as unknown;
  const first = Array.isArray(parsed) ? (parsed[0] as unknown) : undefined;
  return first !== null && typeof first === "object" ? (first as Record<string, unknown>) : undefined;
}

async function readVolume(deps: Pick<AdoptDeps, "runCommand">, target: AdoptTarget): Promise<VolumeFacts | undefined> {
  const v = await dockerInspect(deps, target, "volume", target.mediaVolume);
  if (!v) return undefined;
  return { name: text(v["Name"]), driver: text(v["Driver"]), labels: stringMap(v["Labels"]) };
}

async function readContainer(
  deps: Pick<AdoptDeps, "runCommand">,
  target: AdoptTarget,
  name: string,
): Promise<ContainerFacts | undefined> {
  const c = await dockerInspect(deps, target, "container", name);
  if (!c) return undefined;
  const config = (c["Config"] ?? {}) as Record<string, unknown>;
  const state = (c["State"] ?? {}) as Record<string, unknown>;
  return {
    name,
    id: text(c["Id"]),
    image: text(config["Image"]),
    status: text(state["Status"]) || "unknown",
    labels: stringMap(config["Labels"]),
  };
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function stringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object") return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, text(v)]));
}
