/**
 * The only reader of `pulumi.Config`: collects every `eqmd-matrix:*` key of the stack,
 * validates it (see schema.ts and settings.ts) and returns frozen settings plus the secret
 * config values, which stay Pulumi secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildSettings, CONFIG_NAMESPACE, Settings } from "./settings";

export * from "./settings";
export { ConfigError, ConfigIssue } from "./errors";

/** Config keys that hold secrets; never validated as plain values nor echoed in errors. */
export const SECRET_CONFIG_KEYS = ["postgresAdminPassword", "oidcClientSecret"] as const;

export interface StackSecrets {
  /** Password of the PostgreSQL admin user the provider connects as (absent = none / PGPASSWORD). */
  readonly postgresAdminPassword?: pulumi.Output<string>;
  /** OIDC client secret managed by the operator (oidc.clientSecretFrom = "config"). */
  readonly oidcClientSecret?: pulumi.Output<string>;
}

export interface LoadedConfig {
  readonly settings: Settings;
  readonly secrets: StackSecrets;
}

/** Reads and validates this stack's config; throws ConfigError before any resource exists. */
export function loadConfig(baseDir: string = process.cwd()): LoadedConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const raw = rawNamespaceValues();
  const postgresAdminPassword = config.getSecret("postgresAdminPassword");
  const oidcClientSecret = config.getSecret("oidcClientSecret");
  const settings = buildSettings(
    raw,
    pulumi.getStack(),
    { postgresAdminPassword: postgresAdminPassword !== undefined, oidcClientSecret: oidcClientSecret !== undefined },
    baseDir,
  );
  return {
    settings,
    secrets: {
      ...(postgresAdminPassword ? { postgresAdminPassword } : {}),
      ...(oidcClientSecret ? { oidcClientSecret } : {}),
    },
  };
}

/** Every non-secret key of the namespace, JSON-decoded where the CLI stored structured values. */
function rawNamespaceValues(): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if ((SECRET_CONFIG_KEYS as readonly string[]).includes(key)) continue;
    raw[key] = decode(value);
  }
  return raw;
}

/** The CLI passes objects, lists, numbers and booleans as JSON text and plain strings as-is. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
