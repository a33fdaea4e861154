/**
 * What the reset needs to know about a stack: whether resets are allowed, the MatrixStack URN,
 * and the names the backup and media wipe act on. The config is read by the program's own
 * settings builder (config/), so the reset and `pulumi up` never disagree about a default; the
 * outputs of the last `up` supply what only the deployment knows (the URN, the names it
 * actually used, the generated dev PostgreSQL password).
 */
import { EnvCheck, ResetConfigValue, ResetOutputValue, ResetStack } from "./types";
import { buildSettings, CONFIG_NAMESPACE, Settings } from "../../config/settings";
import { ConfigError } from "../../config/errors";
import { isRecord } from "../../config/isRecord";
import { configInput } from "../../config/stackValues";
import { MATRIX_STACK_NAME, TYPE } from "../../components/tokens";

export { CONFIG_NAMESPACE };
/** The project (Pulumi.yaml `name`) is named like the config namespace. */
export const PROJECT_NAME = CONFIG_NAMESPACE;
const MATRIX_STACK_TYPE = TYPE.MatrixStack;

/** The config key that forbids resets, as `pulumi config set --path` spells it. */
export const RESET_ALLOWED_KEY = "reset.allowed";
export const POSTGRES_PASSWORD_KEY = "postgresAdminPassword";

/** The stack output names the reset reads (exported by the program's index.ts). */
export const OUTPUTS = {
  urn: "matrixStackUrn",
  mediaVolume: "mediaVolumeName",
  synapseContainer: "synapseContainerName",
} as const;

export type ResetPermission =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: "forbidden" | "unreadable" | "env-file"; readonly detail: string };

/** A stack the reset refuses: its config forbids resets or cannot be read. */
export interface RefusedFacts {
  readonly stack: string;
  readonly permission: Extract<ResetPermission, { allowed: false }>;
}

/**
 * What the facts are for: "overwrite" (a reset or a restore: refused where resets are
 * forbidden) or "read" (a backup, which changes nothing and must work on production too).
 */
export type FactsPurpose = "overwrite" | "read";

export interface ResetFacts {
  readonly stack: string;
  readonly permission: { readonly allowed: true };
  /** URN of the MatrixStack component; absent when the stack has none yet. */
  readonly urn?: string;
  /** Where the URN came from, for the plan. */
  readonly urnSource?: "outputs" | "state";
  readonly mediaVolume: string;
  /**
   * The volumes outside the MatrixStack (MatrixAssets) that the `up` rewrites whole: Synapse's
   * config and secrets, Element's web root, Redis' password file in worker mode.
   */
  readonly rewrittenVolumes: readonly string[];
  /** Whether `pulumi destroy` leaves the media volume in Docker (media.retainOnDelete). */
  readonly mediaRetainedOnDelete: boolean;
  readonly synapseContainer: string;
  /** Synapse's server_name (matrixFqdn): a backup restores only onto the same one. */
  readonly serverName: string;
  /** The Synapse image the stack declares (synapse.image). */
  readonly synapseImage: string;
  /** UID:GID Synapse runs as and that owns the media store. */
  readonly uid: number;
  readonly gid: number;
  /** How long Synapse may take to become healthy (synapse.startTimeoutSeconds). */
  readonly startTimeoutSeconds: number;
  /** The dev-only PostgreSQL container the program runs in "managed" mode; kept by a reset. */
  readonly managedPostgresContainer?: string;
  readonly database: { readonly name: string; readonly role: string };
  readonly postgres: {
    readonly host: string;
    readonly port: number;
    readonly adminUser: string;
    readonly sslmode: string;
    /** From the secret config key; never printed, only passed to pg_dump as PGPASSWORD. */
    readonly password?: string;
  };
  /** DOCKER_HOST for docker commands; absent = the local default. */
  readonly dockerHost?: string;
}

/** True when the reset must refuse this stack (see RefusedFacts). */
export function isRefused(facts: ResetFacts | RefusedFacts): facts is RefusedFacts {
  return !facts.permission.allowed;
}

/** Reads config (and, when the outputs lack the URN, the state) of `stack`. */
export async function readFacts(
  stack: ResetStack,
  envCheck?: EnvCheck,
  purpose: FactsPurpose = "overwrite",
): Promise<ResetFacts | RefusedFacts> {
  const config = await stack.getAllConfig();
  const outputs = await stack.outputs();
  const facts = factsFrom(stack.name, config, outputs, envCheck, purpose);
  if (isRefused(facts) || facts.urn !== undefined || !stack.exportStack) return facts;
  const urn = findMatrixStackUrn((await stack.exportStack()).deployment);
  return urn === undefined ? facts : { ...facts, urn, urnSource: "state" };
}

/** Pure part of readFacts. */
export function factsFrom(
  stackName: string,
  config: Record<string, ResetConfigValue>,
  outputs: Record<string, ResetOutputValue>,
  envCheck?: EnvCheck,
  purpose: FactsPurpose = "overwrite",
): ResetFacts | RefusedFacts {
  const input = configInput(stackName, entries(config));
  let s: Settings;
  try {
    s = buildSettings(input);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Fails closed: a config `pulumi up` would refuse is no config to reset by.
    return { stack: stackName, permission: { allowed: false, reason: "unreadable", detail: err.message } };
  }
  if (purpose === "overwrite" && !s.reset.allowed) {
    return {
      stack: stackName,
      permission: { allowed: false, reason: "forbidden", detail: `${CONFIG_NAMESPACE}:${RESET_ALLOWED_KEY} is false` },
    };
  }
  // eqmd's .env before anything is destroyed: `up` checks it too, but only after the destroy.
  const envIssues = envCheck?.(s) ?? [];
  if (envIssues.length > 0) {
    return {
      stack: stackName,
      permission: { allowed: false, reason: "env-file", detail: new ConfigError([...envIssues]).message },
    };
  }
  const out = (name: string): string | undefined => {
    const v = outputValue(outputs[name]);
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const urn = out(OUTPUTS.urn);
  // The secret config key; else an (optional, secret) output of the same name, e.g. the
  // generated password of the managed dev PostgreSQL.
  const configured = input.values[POSTGRES_PASSWORD_KEY];
  const password = typeof configured === "string" && configured !== "" ? configured : out(POSTGRES_PASSWORD_KEY);
  return {
    stack: stackName,
    permission: { allowed: true },
    ...(urn !== undefined ? { urn, urnSource: "outputs" as const } : {}),
    mediaVolume: out(OUTPUTS.mediaVolume) ?? s.names.mediaVolume,
    rewrittenVolumes: [
      s.names.configVolume,
      s.names.secretsVolume,
      s.names.elementWebRootVolume,
      ...(s.synapse.workers ? [s.names.redisSecretsVolume] : []),
    ],
    mediaRetainedOnDelete: s.media.retainOnDelete,
    synapseContainer: out(OUTPUTS.synapseContainer) ?? s.names.synapseContainer,
    serverName: s.server.name,
    synapseImage: s.synapse.image,
    uid: s.uid,
    gid: s.gid,
    startTimeoutSeconds: s.synapse.startTimeoutSeconds,
    ...(s.postgres.mode === "managed" ? { managedPostgresContainer: s.names.postgresContainer } : {}),
    database: { name: s.database.name, role: s.database.role },
    postgres: {
      host: s.postgres.host,
      port: s.postgres.port,
      adminUser: s.postgres.adminUser,
      sslmode: s.postgres.sslmode,
      ...(password !== undefined ? { password } : {}),
    },
    ...(s.dockerHost !== undefined ? { dockerHost: s.dockerHost } : {}),
  };
}

/** Whether `config` allows a reset (see factsFrom). */
export function readPermission(config: Record<string, ResetConfigValue>, stack = "dev"): ResetPermission {
  return factsFrom(stack, config, {}).permission;
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
 * The Automation API gives `{ value: "<text>", secret }` (objects as JSON text); a bare string
 * or an already-parsed value is accepted too.
 */
function entries(config: Record<string, unknown>): Record<string, { value: string; secret: boolean }> {
  const result: Record<string, { value: string; secret: boolean }> = {};
  for (const [key, entry] of Object.entries(config)) {
    const v = isRecord(entry) && "value" in entry ? entry["value"] : entry;
    if (v === undefined || v === null) continue;
    const secret = isRecord(entry) && entry["secret"] === true;
    result[key] = { value: typeof v === "string" ? v : JSON.stringify(v), secret };
  }
  return result;
}

/** The value of an output entry: `{ value, secret }` as the Automation API gives it, or a bare value. */
function outputValue(entry: unknown): unknown {
  return isRecord(entry) && "value" in entry ? entry["value"] : entry;
}
