/**
 * Where files live inside the containers. One definition shared by the renderers (paths
 * written into the config), the components (upload targets) and the contract tests (which map
 * `/data` to a private directory).
 */

export const SYNAPSE_DATA_DIR = "/data";

/**
 * Synapse's files sit on two volumes of their own, each written by a one-shot job and mounted
 * read-only: the readable config (/data/config) and the secrets (/data/secrets). Two volumes
 * because the engine masks a whole resource property when any part of it is secret: the config
 * files must never share the secrets' `uploads`, or `pulumi preview` could not diff them.
 */
export const SYNAPSE_PATHS = {
  /** The readable config files' volume (homeserver.yaml, log config, modules). */
  configDir: "/data/config",
  /** The secret files' volume: readable by Synapse's user only. */
  secretsDir: "/data/secrets",
  /** Main config: no secrets, readable diff in `pulumi preview`. */
  homeserver: "/data/config/homeserver.yaml",
  /** Second config file: registration_shared_secret, macaroon_secret_key, form_secret. */
  secrets: "/data/secrets/secrets.yaml",
  logConfig: "/data/config/log_config.yaml",
  signingKey: "/data/secrets/signing.key",
  /** libpq password file for the Synapse role (database.args.passfile). */
  pgpass: "/data/secrets/pgpass",
  oidcClientSecret: "/data/secrets/oidc_client_secret",
  modulesDir: "/data/config/modules",
  /** Synapse writes it only when daemonized; kept on the tmpfs since the root file system is read-only. */
  pidFile: "/tmp/homeserver.pid",
  mediaStore: "/data/media_store",
  /** Synapse's log files (synapse.fileLog): a volume of its own, writable by Synapse. */
  logsDir: "/data/logs",
  logFile: "/data/logs/homeserver.log",
  /** Worker mode: each worker's own config file (`<name>.yaml`) and their stdout-only log config. */
  workersDir: "/data/config/workers",
  workerLogConfig: "/data/config/workers/log_config.yaml",
  /** The router's nginx.conf: readable, on the config volume the router mounts read-only. */
  routerConf: "/data/config/router/nginx.conf",
  /** Redis' password as Synapse reads it (`redis.password_path`). */
  redisPassword: "/data/secrets/redis_password",
} as const;

/** Redis' own config (requirepass): on a volume of its own, mounted read-only into Redis only. */
export const REDIS_PATHS = {
  dir: "/etc/eqmd-redis",
  conf: "/etc/eqmd-redis/redis.conf",
} as const;

/** Ports inside the Synapse containers (each process has a container, so all share them). */
export const SYNAPSE_PORTS = {
  /** HTTP `replication` listener (instance_map); also answers /health. */
  replication: 9093,
  /** Prometheus `metrics` listener (synapse.metrics). */
  metrics: 9000,
  /** Redis in its container. */
  redis: 6379,
} as const;

export const ELEMENT_PATHS = {
  /** Element's web root: an anonymous volume of the container (filled from the image at create). */
  webRoot: "/app",
  config: "/app/config.json",
  customCss: "/app/custom.css",
} as const;

// The listener port is a config default; re-exported for the code that maps container paths.
export { SYNAPSE_LISTEN_PORT } from "../config/schema";
