/**
 * Where files live inside the containers. One definition shared by the renderers (paths
 * written into the config), the components (upload targets) and the contract tests (which map
 * `/data` to a private directory).
 */

export const SYNAPSE_DATA_DIR = "/data";

export const SYNAPSE_PATHS = {
  /** Main config: no secrets, readable diff in `pulumi preview`. */
  homeserver: "/data/homeserver.yaml",
  /** Second config file: registration_shared_secret, macaroon_secret_key, form_secret. */
  secrets: "/data/secrets.yaml",
  logConfig: "/data/log_config.yaml",
  signingKey: "/data/signing.key",
  /** libpq password file for the Synapse role (database.args.passfile). */
  pgpass: "/data/pgpass",
  oidcClientSecret: "/data/oidc_client_secret",
  modulesDir: "/data/modules",
  mediaStore: "/data/media_store",
  /** Synapse's log files (synapse.fileLog): a volume of its own, writable by Synapse. */
  logsDir: "/data/logs",
  logFile: "/data/logs/homeserver.log",
} as const;

export const ELEMENT_PATHS = {
  config: "/app/config.json",
  customCss: "/app/custom.css",
} as const;

// The listener port is a config default; re-exported for the code that maps container paths.
export { SYNAPSE_LISTEN_PORT } from "../config/schema";
