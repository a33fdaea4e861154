/**
 * What the reset needs to know about a stack, read from its config and outputs: whether resets
 * are allowed, the MatrixStack URN, and the names the backup and media wipe act on. Outputs of
 * the last `up` win; config (with the program's defaults) fills the gaps, so a stack whose last
 * `up` failed can still be reset.
 */
import { ResetConfigValue, ResetOutputValue, ResetStack } from "./types";
import { configSchema } from "../../config/schema";
import { CONFIG_NAMESPACE, containerNames } from "../../config/settings";
import { MATRIX_STACK_NAME, TYPE } from "../../components/tokens";

export { CONFIG_NAMESPACE };
/** The project (Pulumi.yaml `name`) is named like the config namespace. */
export const PROJECT_NAME = CONFIG_NAMESPACE;
const MATRIX_STACK_TYPE = TYPE.MatrixStack;

/** The program's own defaults (its schema), for keys a stack leaves unset. */
const DEFAULTS = configSchema.parse({ eqmdDomain: "localhost" });
/** The config key that forbids resets, as `pulumi config set --path` spells it. */
export const RESET_ALLOWED_KEY = "reset.allowed";
export const POSTGRES_PASSWORD_KEY = "postgresAdminPassword";

/** The stack output names the reset reads (exported by the program's index.ts). */
export const OUTPUTS = {
  urn: "matrixStackUrn",
  mediaVolume: "mediaVolumeName",
  synapseContainer: "synapseContainerName",
  databaseName: "databaseName",
  databaseRole: "databaseRole",
  postgresHost: "postgresHost",
  postgresPort: "postgresPort",
  postgresAdminUser: "postgresAdminUser",
  dockerHost: "dockerHost",
} as const;

export type ResetPermission =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: "forbidden" | "unreadable"; readonly detail: string };

export interface ResetFacts {
  readonly stack: string;
  readonly permission: ResetPermission;
  /** URN of the MatrixStack component; absent when the stack has none yet. */
  readonly urn?: string;
  /** Where the URN came from, for the plan. */
  readonly urnSource?: "outputs" | "state";
  readonly mediaVolume: string;
  /** Whether `pulumi destroy` leaves the media volume in Docker (media.retainOnDelete). */
  readonly mediaRetainedOnDelete: boolean;
  readonly synapseContainer: string;
  /** The dev-only PostgreSQL container the program runs in "managed" mode; kept by a reset. */
  readonly managedPostgresContainer?: string;
  readonly database: { readonly name: string; readonly role: string };
  readonly postgres: {
    readonly host: string;
    readonly port: number;
    readonly adminUser: string;
    readonly sslmode?: string;
    /** From the secret config key; never printed, only passed to pg_dump as PGPASSWORD. */
    readonly password?: string;
  };
  /** DOCKER_HOST for docker commands; absent = the local default. */
  readonly dockerHost?: string;
}

/** Reads config (and, when the outputs lack the URN, the state) of `stack`. */
export async function readFacts(stack: ResetStack): Promise<ResetFacts> {
  const config = await stack.getAllConfig();
  const outputs = await stack.outputs();
  const facts = factsFrom(stack.name, config, outputs);
  if (facts.urn !== undefined || !stack.exportStack) return facts;
  const urn = findMatrixStackUrn((await stack.exportStack()).deployment);
  return urn === undefined ? facts : { ...facts, urn, urnSource: "state" };
}

/** Pure part of readFacts. */
export function factsFrom(
  stackName: string,
  config: Record<string, ResetConfigValue>,
  outputs: Record<string, ResetOutputValue>,
): ResetFacts {
  const cfgString = (key: string): string | undefined => {
    const v = configText(config[`${CONFIG_NAMESPACE}:${key}`]);
    return v === undefined || v === "" ? undefined : v;
  };
  const cfgObject = (key: string): Record<string, unknown> => {
    const text = cfgString(key);
    if (text === undefined) return {};
    try {
      const parsed: unknown = JSON.parse(text);
      return isRecord(parsed) ? parsed : {};
    } catch {
      return {};
    }
  };
  const out = (name: string): string | undefined => {
    const v = outputValue(outputs[name]);
    if (typeof v === "number") return String(v);
    return typeof v === "string" && v !== "" ? v : undefined;
  };

  const names = containerNames(cfgString("containerPrefix") ?? DEFAULTS.containerPrefix);
  const pg = cfgObject("postgres");
  const db = cfgObject("database");
  const media = cfgObject("media");
  const managed = pg["mode"] === "managed";
  const urn = out(OUTPUTS.urn);
  const port = Number(out(OUTPUTS.postgresPort) ?? pg["port"] ?? DEFAULTS.postgres.port);
  const sslmode = stringOr(pg["sslmode"], undefined);
  // The secret config key; else an (optional, secret) output of the same name, e.g. the
  // generated password of the managed dev PostgreSQL.
  const password = cfgString(POSTGRES_PASSWORD_KEY) ?? out(POSTGRES_PASSWORD_KEY);
  const dockerHost = out(OUTPUTS.dockerHost) ?? cfgString("dockerHost");

  return {
    stack: stackName,
    permission: readPermission(config),
    ...(urn !== undefined ? { urn, urnSource: "outputs" as const } : {}),
    mediaVolume: out(OUTPUTS.mediaVolume) ?? names.mediaVolume,
    mediaRetainedOnDelete:
      media["retainOnDelete"] === undefined
        ? DEFAULTS.media.retainOnDelete
        : media["retainOnDelete"] !== false && media["retainOnDelete"] !== "false",
    synapseContainer: out(OUTPUTS.synapseContainer) ?? names.synapseContainer,
    ...(managed ? { managedPostgresContainer: names.postgresContainer } : {}),
    database: {
      name: out(OUTPUTS.databaseName) ?? stringOr(db["name"], DEFAULTS.database.name),
      role: out(OUTPUTS.databaseRole) ?? stringOr(db["role"], DEFAULTS.database.role),
    },
    postgres: {
      host: out(OUTPUTS.postgresHost) ?? stringOr(pg["host"], DEFAULTS.postgres.host),
      port: Number.isInteger(port) ? port : DEFAULTS.postgres.port,
      adminUser: out(OUTPUTS.postgresAdminUser) ?? stringOr(pg["adminUser"], DEFAULTS.postgres.adminUser),
      ...(sslmode !== undefined ? { sslmode } : {}),
      ...(password !== undefined ? { password } : {}),
    },
    ...(dockerHost !== undefined ? { dockerHost } : {}),
  };
}

/**
 * `eqmd-matrix:reset` = `{"allowed": false}` forbids resets. Fails closed: a value that cannot
 * be read as true/false refuses too. Absent = allowed (the program's default).
 */
export function readPermission(config: Record<string, ResetConfigValue>): ResetPermission {
  const candidates: Array<[string, unknown]> = [];
  const object = configText(config[`${CONFIG_NAMESPACE}:reset`]);
  if (object !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(object);
    } catch {
      return { allowed: false, reason: "unreadable", detail: `${CONFIG_NAMESPACE}:reset is not JSON: ${object}` };
    }
    if (!isRecord(parsed)) {
      return {
        allowed: false,
        reason: "unreadable",
        detail: `${CONFIG_NAMESPACE}:reset is not an object: ${object}`,
      };
    }
    if ("allowed" in parsed) candidates.push([`${CONFIG_NAMESPACE}:${RESET_ALLOWED_KEY}`, parsed["allowed"]]);
  }
  // `pulumi config set reset.allowed false` without --path makes a flat key; honour it too.
  const flat = configText(config[`${CONFIG_NAMESPACE}:${RESET_ALLOWED_KEY}`]);
  if (flat !== undefined) candidates.push([`${CONFIG_NAMESPACE}:${RESET_ALLOWED_KEY} (flat key)`, flat]);

  for (const [key, value] of candidates) {
    if (value === false || value === "false") return { allowed: false, reason: "forbidden", detail: `${key} is false` };
    if (value !== true && value !== "true") {
      return {
        allowed: false,
        reason: "unreadable",
        detail: `${key} is ${JSON.stringify(value)}, expected true or false`,
      };
    }
  }
  return { allowed: true };
}

/** Finds the MatrixStack component in an exported deployment (`{ resources: [{ urn, type }] }`). */
export function findMatrixStackUrn(deployment: unknown): string | undefined {
  if (!isRecord(deployment) || !Array.isArray(deployment["resources"])) return undefined;
  const found = (deployment["resources"] as unknown[]).filter(
    (r): r is Record<string, unknown> => isRecord(r) && r["type"] === MATRIX_STACK_TYPE && typeof r["urn"] === "string",
  );
  const preferred = found.find((r) => String(r["urn"]).endsWith(`::${MATRIX_STACK_NAME}`)) ?? found[0];
  return preferred === undefined ? undefined : String(preferred["urn"]);
}

/** The URN the program gives the component on `stack` (for documentation and messages). */
export function expectedUrn(stack: string): string {
  return `urn:pulumi:${stack}::${PROJECT_NAME}::${MATRIX_STACK_TYPE}::${MATRIX_STACK_NAME}`;
}

/**
 * The text of a config entry. The Automation API gives `{ value: "<text>", secret }` (objects as
 * JSON text); a bare string or an already-parsed value is accepted too.
 */
function configText(entry: unknown): string | undefined {
  const v = isRecord(entry) && "value" in entry ? entry["value"] : entry;
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The value of an output entry: `{ value, secret }` as the Automation API gives it, or a bare value. */
function outputValue(entry: unknown): unknown {
  return isRecord(entry) && "value" in entry ? entry["value"] : entry;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOr<T extends string | undefined>(value: unknown, fallback: T): string | T {
  return typeof value === "string" && value !== "" ? value : fallback;
}
