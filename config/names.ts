/**
 * The one source of the names derived from the container prefix (eqmd's CONTAINER_PREFIX):
 * containers, volumes and eqmd's own Django container. Nothing else builds `<prefix>_…`.
 */

export interface ResourceNames {
  readonly synapseContainer: string;
  readonly elementContainer: string;
  /** Synapse's media store volume (kept across resets unless asked). */
  readonly mediaVolume: string;
  /** The one-shot job that chowns the media volume. */
  readonly mediaInitContainer: string;
  /** Synapse's readable config files (/data/config) and the one-shot job that writes them. */
  readonly configVolume: string;
  readonly configJobContainer: string;
  /** Synapse's secret files (/data/secrets) and the one-shot job that writes them. */
  readonly secretsVolume: string;
  readonly secretsJobContainer: string;
  /** Element's web root (the image's files plus config.json) and the job that writes it. */
  readonly elementWebRootVolume: string;
  readonly elementConfigJobContainer: string;
  /** Synapse's log file volume (/data/logs, when synapse.fileLog is set); kept on delete. */
  readonly logVolume: string;
  /** The one-shot job that chowns the log volume (same pattern as the media one). */
  readonly logInitContainer: string;
  /** Dev stacks' own PostgreSQL (managed mode) and its data volume. */
  readonly postgresContainer: string;
  readonly postgresDataVolume: string;
  /** eqmd's Django container (not ours: the default target of `django.exec`). */
  readonly djangoContainer: string;
  /** Worker mode (synapse.workers): Redis, its password file's volume and job, the router. */
  readonly redisContainer: string;
  readonly redisSecretsVolume: string;
  readonly redisSecretsJobContainer: string;
  readonly routerContainer: string;
}

export function resourceNames(prefix: string): ResourceNames {
  return {
    synapseContainer: `${prefix}_matrix_synapse`,
    elementContainer: `${prefix}_element_web`,
    mediaVolume: `${prefix}_matrix_media_store`,
    mediaInitContainer: `${prefix}_matrix_media_init`,
    configVolume: `${prefix}_matrix_config`,
    configJobContainer: `${prefix}_matrix_config_init`,
    secretsVolume: `${prefix}_matrix_secrets`,
    secretsJobContainer: `${prefix}_matrix_secrets_init`,
    elementWebRootVolume: `${prefix}_element_web_root`,
    elementConfigJobContainer: `${prefix}_element_config_init`,
    logVolume: `${prefix}_matrix_logs`,
    logInitContainer: `${prefix}_matrix_logs_init`,
    postgresContainer: `${prefix}_matrix_postgres`,
    postgresDataVolume: `${prefix}_matrix_postgres_data`,
    djangoContainer: `${prefix}_app`,
    redisContainer: `${prefix}_matrix_redis`,
    redisSecretsVolume: `${prefix}_matrix_redis_secrets`,
    redisSecretsJobContainer: `${prefix}_matrix_redis_secrets_init`,
    routerContainer: `${prefix}_matrix_router`,
  };
}
