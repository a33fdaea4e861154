/**
 * The only reader of the engine's config: collects every `eqmd-matrix:*` key of the stack and
 * which of them the engine stores encrypted, builds the settings (settings.ts) and reads the
 * files they name (files.ts), and checks eqmd's .env against them (envFileCheck.ts). Secret
 * config values stay Pulumi secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { checkEnvFile } from "./envFileCheck";
import { ConfigError, ConfigIssue } from "./errors";
import { LocalFiles, readLocalFiles } from "./files";
import { CONFIG_NAMESPACE } from "./namespace";
import { evaluateConfig, Settings } from "./settings";
import { configInput, StackConfigEntry } from "./stackValues";

export * from "./settings";
export { ConfigError, ConfigIssue } from "./errors";
export type { LocalFiles, UploadedFile } from "./files";
export { resourceNames, ResourceNames } from "./names";

export interface StackSecrets {
  /** Password of the PostgreSQL admin user the provider connects as (absent = none / PGPASSWORD). */
  readonly postgresAdminPassword?: pulumi.Output<string>;
  /** OIDC client secret managed by the operator (oidc.clientSecretFrom = "config"). */
  readonly oidcClientSecret?: pulumi.Output<string>;
}

export interface LoadedConfig {
  readonly settings: Settings;
  readonly files: LocalFiles;
  readonly secrets: StackSecrets;
}

/**
 * The config problems as the engine reports them: a RunError, so `pulumi preview` shows the
 * list of problems alone, without a stack trace.
 */
export class StackConfigError extends pulumi.RunError {
  constructor(public readonly issues: readonly ConfigIssue[]) {
    super(new ConfigError(issues).message);
    this.name = "StackConfigError";
  }
}

/** Reads and validates this stack's config; throws StackConfigError before any resource exists. */
export function loadConfig(baseDir: string = process.cwd()): LoadedConfig {
  const entries: Record<string, StackConfigEntry> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    entries[key] = { value, secret: isConfigSecret(key) };
  }
  const { settings, issues } = evaluateConfig(configInput(pulumi.getStack(), entries));
  const read = readLocalFiles(settings, baseDir);
  // eqmd's .env against the settings: only when they are valid (else the check means nothing).
  const env = issues.length === 0 ? checkEnvFile(settings, baseDir) : [];
  const all = [...issues, ...read.issues, ...env];
  if (all.length > 0) throw new StackConfigError(all);

  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const postgresAdminPassword = config.getSecret("postgresAdminPassword");
  const oidcClientSecret = config.getSecret("oidcClientSecret");
  return {
    settings,
    files: read.files,
    secrets: {
      ...(postgresAdminPassword ? { postgresAdminPassword } : {}),
      ...(oidcClientSecret ? { oidcClientSecret } : {}),
    },
  };
}

/**
 * Whether the engine stores `key` encrypted: the SDK's record of the secret keys, which the
 * language host passes in PULUMI_CONFIG_SECRET_KEYS (and `setAllConfig(config, secretKeys)`
 * under mocks). The SDK marks the function internal, so it is looked up defensively.
 */
function isConfigSecret(key: string): boolean {
  const sdk = runtimeConfig as unknown as { isConfigSecret?: (k: string) => boolean };
  if (typeof sdk.isConfigSecret !== "function") {
    throw new Error("@pulumi/pulumi no longer exposes runtime isConfigSecret: eqmd-matrix cannot tell secret keys");
  }
  return sdk.isConfigSecret(key);
}
