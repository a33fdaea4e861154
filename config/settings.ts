/**
 * Parsed stack config → the typed, frozen settings every other module reads. Applies the
 * rules that span several keys (defaults derived from other keys, stack-dependent rules) and
 * reads the local files the config names, so nothing later touches config or the disk.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { compareVersions, parseVersionFromImage } from "./version";
import { ConfigIssue, ConfigError } from "./errors";
import { configSchema, ParsedConfig, SECRET_HOMESERVER_KEYS } from "./schema";
import { MIN_SYNAPSE_VERSION } from "./versions";

export const CONFIG_NAMESPACE = "eqmd-matrix";

export interface ExecTarget {
  /** Program and flags before the env flags, e.g. ["docker","exec","-i"]; empty = this host. */
  readonly command: readonly string[];
  /** Container or compose service; required when `command` is set. */
  readonly container?: string;
}

export interface PublishedPort {
  readonly ip: string;
  readonly port: number;
}

export interface UploadedFile {
  /** File name relative to the target directory. */
  readonly name: string;
  readonly content: string;
}

export interface SynapseModule {
  readonly module: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly files: readonly UploadedFile[];
}

export interface AfterResetHook {
  /** Management command and its arguments (after `manage.py`). */
  readonly command: readonly string[];
  /** `KEY=VALUE` lines of its output kept as secret outputs (and written to `.env`). */
  readonly capture: readonly string[];
}

export interface Settings {
  readonly stack: string;
  readonly containerPrefix: string;
  readonly names: {
    readonly synapseContainer: string;
    readonly elementContainer: string;
    readonly mediaVolume: string;
    readonly mediaInitContainer: string;
    readonly postgresContainer: string;
  };
  readonly server: {
    /** Synapse `server_name` (MATRIX_FQDN). */
    readonly name: string;
    readonly publicBaseUrl: string;
    readonly chatFqdn: string;
    readonly eqmdDomain: string;
    readonly hospitalEmail: string;
  };
  readonly uid: number;
  readonly gid: number;
  readonly synapse: {
    readonly image: string;
    readonly version: string;
    readonly port: PublishedPort | null;
    /** Port of Synapse's HTTP listener inside the container (eqmd: 8008). */
    readonly listenPort: number;
    readonly bindAddresses: readonly string[];
    readonly startTimeoutSeconds: number;
    readonly passwordLogin: boolean;
    readonly exec: ExecTarget;
    readonly internalUrl: string;
    readonly extraSettings: Readonly<Record<string, unknown>>;
    readonly modules: readonly SynapseModule[];
  };
  readonly element: {
    readonly image: string;
    readonly port: PublishedPort | null;
    readonly containerPort: number;
    readonly brand: string;
    /** Where users open Element (SSO client whitelist); default https://<chatFqdn>/. */
    readonly publicUrl: string;
    readonly customCss?: string;
  };
  readonly network: { readonly name: string; readonly create: boolean };
  readonly dockerHost?: string;
  readonly postgres: {
    readonly mode: "external" | "managed";
    readonly host: string;
    readonly port: number;
    readonly adminUser: string;
    readonly adminDatabase: string;
    readonly sslmode: "disable" | "require" | "verify-ca" | "verify-full";
    readonly superuser: boolean;
    readonly synapseHost: string;
    readonly synapsePort: number;
    readonly image: string;
  };
  readonly database: { readonly name: string; readonly role: string; readonly cpMin: number; readonly cpMax: number };
  readonly oidc: {
    readonly enabled: boolean;
    readonly providerId: string;
    /** The id Synapse advertises: `oidc-<providerId>`. */
    readonly idpId: string;
    readonly displayName: string;
    readonly issuer: string;
    readonly clientId: string;
    readonly scopes: readonly string[];
    readonly localpartTemplate: string;
    readonly displayNameTemplate: string;
    readonly emailTemplate: string;
    readonly skipVerification: boolean;
    readonly clientSecretFrom: "django" | "config";
  };
  readonly django: { readonly exec: ExecTarget; readonly managePy: readonly string[]; readonly migrate: boolean };
  readonly admin: { readonly username: string; readonly userId: string };
  readonly media: { readonly retainOnDelete: boolean };
  readonly envFile?: { readonly path: string; readonly recreateCommand: readonly string[] };
  readonly afterReset: readonly AfterResetHook[];
  readonly reset: { readonly allowed: boolean };
  readonly allowPublicPorts: boolean;
}

/** eqmd's names for what this program runs, from the container prefix (CONTAINER_PREFIX). */
export function containerNames(prefix: string): Settings["names"] {
  return {
    synapseContainer: `${prefix}_matrix_synapse`,
    elementContainer: `${prefix}_element_web`,
    mediaVolume: `${prefix}_matrix_media_store`,
    mediaInitContainer: `${prefix}_matrix_media_init`,
    postgresContainer: `${prefix}_matrix_postgres`,
  };
}

/** Which secret config keys are present (their values stay Pulumi secrets, see config.ts). */
export interface SecretKeysPresent {
  readonly postgresAdminPassword: boolean;
  readonly oidcClientSecret: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

/** Validates raw config values and derives the settings; throws ConfigError listing every problem. */
export function buildSettings(
  raw: Record<string, unknown>,
  stack: string,
  secrets: SecretKeysPresent,
  baseDir: string,
): Settings {
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) =>
        i.code === "unrecognized_keys"
          ? unknownKeyIssue([...i.path.map(String)], i.keys, i.input)
          : { key: i.path.map(String).join("."), value: i.input, expected: i.message },
      ),
    );
  }
  const issues: ConfigIssue[] = [];
  const settings = derive(parsed.data, stack, secrets, baseDir, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return deepFreeze(settings);
}

function unknownKeyIssue(parent: string[], keys: string[], input: unknown): ConfigIssue {
  const where = parent.length ? `${parent.join(".")}.` : "";
  const given = (input ?? {}) as Record<string, unknown>;
  return {
    key: keys.map((k) => where + k).join(", "),
    value: keys.length === 1 ? given[keys[0]] : keys.map((k) => given[k]),
    expected: `a known key: this one is not part of eqmd-matrix's config (check the spelling, or remove it with 'pulumi config rm --path ${where}${keys[0]}')`,
  };
}

function derive(
  c: ParsedConfig,
  stack: string,
  secrets: SecretKeysPresent,
  baseDir: string,
  issues: ConfigIssue[],
): Settings {
  const prefix = c.containerPrefix;
  const serverName = c.matrixFqdn ?? `matrix.${c.eqmdDomain}`;
  const publicBaseUrl = c.publicBaseUrl ?? `https://${serverName}/`;
  const { postgresContainer } = containerNames(prefix);
  const managed = c.postgres.mode === "managed";

  const synapsePort = toPort(c.synapse.port);
  const elementPort = toPort(c.element.port);
  for (const [key, port] of [
    ["synapse.port", synapsePort],
    ["element.port", elementPort],
  ] as const) {
    if (port && !LOOPBACK.test(port.ip) && !c.allowPublicPorts) {
      issues.push({
        key,
        value: `${port.ip}:${port.port}`,
        expected:
          'a loopback address such as "127.0.0.1:<port>" (eqmd publishes through nginx), or set allowPublicPorts: true',
      });
    }
  }

  if (managed && !/^dev($|-)/.test(stack)) {
    issues.push({
      key: "postgres.mode",
      value: c.postgres.mode,
      expected: `"external" on stack "${stack}": the managed PostgreSQL container is for dev stacks (named "dev" or "dev-*") only`,
    });
  }

  const version = c.synapse.version ?? parseVersionFromImage(c.synapse.image);
  if (version === undefined) {
    issues.push({
      key: "synapse.version",
      value: undefined,
      expected: `the Synapse version of image "${c.synapse.image}" (its tag is not v<MAJOR.MINOR.PATCH>): set synapse.version`,
    });
  } else if (compareVersions(version, MIN_SYNAPSE_VERSION) < 0) {
    issues.push({
      key: c.synapse.version ? "synapse.version" : "synapse.image",
      value: c.synapse.version ?? c.synapse.image,
      expected: `Synapse ${MIN_SYNAPSE_VERSION} or newer (oidc_providers[].client_secret_path)`,
    });
  }

  for (const key of Object.keys(c.synapse.extraSettings)) {
    if ((SECRET_HOMESERVER_KEYS as readonly string[]).includes(key)) {
      issues.push({
        key: `synapse.extraSettings.${key}`,
        value: "(hidden)",
        expected:
          "no key that carries a secret or that this program manages (it would land in the readable homeserver.yaml)",
      });
    }
  }

  const issuer = c.oidc.issuer ?? `https://${c.eqmdDomain}/o`;
  if (c.oidc.enabled) {
    const host = new URL(publicBaseUrl).hostname;
    if (!publicBaseUrl.startsWith("https://") && !LOOPBACK.test(host) && host !== "[::1]") {
      issues.push({
        key: "publicBaseUrl",
        value: publicBaseUrl,
        expected:
          "an https:// URL while OIDC is enabled (Synapse's SSO cookies are Secure; plain http works only on localhost)",
      });
    }
    if (c.oidc.clientSecretFrom === "config" && !secrets.oidcClientSecret) {
      issues.push({
        key: "oidcClientSecret",
        value: undefined,
        expected:
          'the client secret as a config secret when oidc.clientSecretFrom is "config": pulumi config set --secret oidcClientSecret <value>',
      });
    }
  }
  if (!c.oidc.enabled && !c.synapse.passwordLogin) {
    issues.push({
      key: "synapse.passwordLogin",
      value: false,
      expected: "true when oidc.enabled is false: without SSO or passwords nobody could log in",
    });
  }
  if (c.afterReset.length > 0 && !c.oidc.enabled) {
    issues.push({
      key: "afterReset",
      value: c.afterReset.length,
      expected: "no hooks while oidc.enabled is false (they are eqmd's Django commands)",
    });
  }

  const modules = c.synapse.modules.map((m, i) => ({
    module: m.module,
    config: m.config,
    files: m.files
      .map((f, j) => readLocalFile(baseDir, f, `synapse.modules[${i}].files[${j}]`, issues))
      .filter(isUploaded),
  }));
  const customCss = c.element.customCssFile
    ? readLocalFile(baseDir, c.element.customCssFile, "element.customCssFile", issues)?.content
    : undefined;

  return {
    stack,
    containerPrefix: prefix,
    names: containerNames(prefix),
    server: {
      name: serverName,
      publicBaseUrl,
      chatFqdn: c.chatFqdn ?? `chat.${c.eqmdDomain}`,
      eqmdDomain: c.eqmdDomain,
      hospitalEmail: c.hospitalEmail,
    },
    uid: c.uid,
    gid: c.gid,
    synapse: {
      image: c.synapse.image,
      version: version ?? "0.0.0",
      port: synapsePort,
      listenPort: c.synapse.listenPort,
      bindAddresses: c.synapse.bindAddresses,
      startTimeoutSeconds: c.synapse.startTimeoutSeconds,
      passwordLogin: c.synapse.passwordLogin,
      exec: c.synapse.exec ?? { command: ["docker", "exec", "-i"], container: `${prefix}_matrix_synapse` },
      internalUrl: c.synapse.internalUrl ?? `http://localhost:${c.synapse.listenPort}`,
      extraSettings: c.synapse.extraSettings,
      modules,
    },
    element: {
      image: c.element.image,
      port: elementPort,
      containerPort: c.element.containerPort,
      brand: c.element.brand,
      publicUrl: c.element.publicUrl ?? `https://${c.chatFqdn ?? `chat.${c.eqmdDomain}`}/`,
      ...(customCss !== undefined ? { customCss } : {}),
    },
    network: c.network,
    ...(c.dockerHost ? { dockerHost: c.dockerHost } : {}),
    postgres: {
      ...c.postgres,
      synapseHost: managed ? postgresContainer : c.postgres.synapseHost,
      synapsePort: managed ? 5432 : c.postgres.synapsePort,
    },
    database: c.database,
    oidc: { ...c.oidc, issuer, idpId: `oidc-${c.oidc.providerId}` },
    django: {
      exec: c.django.exec ?? { command: ["docker", "exec", "-i"], container: `${prefix}_app` },
      managePy: c.django.managePy,
      migrate: c.django.migrate,
    },
    admin: { username: c.admin.username, userId: `@${c.admin.username}:${serverName}` },
    media: c.media,
    ...(c.envFile ? { envFile: c.envFile } : {}),
    afterReset: c.afterReset,
    reset: c.reset,
    allowPublicPorts: c.allowPublicPorts,
  };
}

function toPort(value: string | false): PublishedPort | null {
  if (value === false) return null;
  const at = value.lastIndexOf(":");
  return { ip: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

function readLocalFile(baseDir: string, file: string, key: string, issues: ConfigIssue[]): UploadedFile | undefined {
  const full = path.resolve(baseDir, file);
  try {
    return { name: path.basename(full), content: fs.readFileSync(full, "utf8") };
  } catch (err) {
    issues.push({
      key,
      value: file,
      expected: `a readable file (relative to the project directory): ${(err as Error).message}`,
    });
    return undefined;
  }
}

function isUploaded(f: UploadedFile | undefined): f is UploadedFile {
  return f !== undefined;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
