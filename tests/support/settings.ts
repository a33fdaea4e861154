/** Settings fixtures for unit tests: built through the real validation, never by hand. */
import * as path from "node:path";
import { readLocalFiles, LocalFiles } from "../../config/files";
import { buildSettings, Settings } from "../../config/settings";
import { configInput } from "../../config/stackValues";
import { readStackConfig } from "./stackConfig";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** eqmd production-like raw config (the shape of Pulumi.prod.yaml's values). */
export const EQMD_PROD_RAW: Record<string, unknown> = {
  eqmdDomain: "yourhospital.com",
  hospitalEmail: "ti@yourhospital.com",
  postgres: { host: "127.0.0.1", port: 5432, adminUser: "eqmd_user", synapseHost: "postgres" },
  network: { name: "eqmd_net", create: false },
  django: { exec: { command: ["docker", "compose", "exec", "-T"], container: "eqmd" } },
  synapse: {
    modules: [
      {
        module: "eqmd_policy.EqmdPolicyModule",
        config: {
          admin_users: "@admin:matrix.yourhospital.com",
          bot_user_id: "@rzero_bot:matrix.yourhospital.com",
          block_room_creation: true,
          block_invites: true,
          block_encryption: true,
        },
        files: ["tests/fixtures/eqmd_policy.py"],
      },
    ],
  },
  reset: { allowed: false },
};

/** The dev stack's shape: no eqmd, OIDC off, password login, managed PostgreSQL. */
export const DEV_RAW: Record<string, unknown> = {
  eqmdDomain: "localhost",
  matrixFqdn: "localhost",
  publicBaseUrl: "http://localhost:8008/",
  chatFqdn: "localhost",
  oidc: { enabled: false },
  synapse: { passwordLogin: true },
  postgres: { mode: "managed" },
};

/** Which secret config keys a fixture sets (as secrets: their values never matter here). */
export interface SecretsSet {
  readonly postgresAdminPassword: boolean;
  readonly oidcClientSecret: boolean;
}

/** Builds settings from a raw config (defaults: the eqmd production example). */
export function settingsFrom(
  raw: Record<string, unknown> = EQMD_PROD_RAW,
  stack = "prod",
  secrets: SecretsSet = { postgresAdminPassword: true, oidcClientSecret: false },
): Settings {
  const secretKeys = Object.entries(secrets)
    .filter(([, set]) => set)
    .map(([key]) => key);
  const values = { ...raw, ...Object.fromEntries(secretKeys.map((k) => [k, `MOCKSECRET-${k}`])) };
  return buildSettings({ values, secretKeys, stack });
}

/** The local files a raw config names, read relative to the repository (throws on any issue). */
export function localFilesFrom(raw: Record<string, unknown> = EQMD_PROD_RAW): LocalFiles {
  const { files, issues } = readLocalFiles(settingsFrom(raw), REPO_ROOT);
  if (issues.length > 0) throw new Error(`unreadable fixture files: ${JSON.stringify(issues)}`);
  return files;
}

/**
 * The settings of a stack file (e.g. "Pulumi.prod.yaml") as the program builds them: the
 * engine's key → text map, decoded by the program's own configInput, then the same builder.
 */
export function settingsFromStackFile(stackFile: string, stack: string): Settings {
  const { values, secretKeys } = readStackConfig(path.join(REPO_ROOT, stackFile));
  const entries = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, { value, secret: secretKeys.includes(key) }]),
  );
  return buildSettings(configInput(stack, entries));
}
