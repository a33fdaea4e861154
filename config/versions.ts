/**
 * Pinned versions: the one place that defines them. The contract tests install the same
 * Synapse version from PyPI as the default image tag below.
 */

/** Current Synapse release used by default (image tag `v<version>`). */
export const SYNAPSE_VERSION = "1.163.2";

/** eqmd's own Synapse pin (`SYNAPSE_VERSION` in eqmd's `.env.example`); must keep working. */
export const EQMD_SYNAPSE_VERSION = "1.99.0";

/**
 * Oldest Synapse this program supports: `oidc_providers[].client_secret_path` (1.91.0) is the
 * newest mechanism the rendered config relies on.
 */
export const MIN_SYNAPSE_VERSION = "1.91.0";

export const DEFAULT_SYNAPSE_IMAGE = `matrixdotorg/synapse:v${SYNAPSE_VERSION}`;

/** eqmd's Element pin; later tags run nginx unprivileged, see `element.containerPort`. */
export const DEFAULT_ELEMENT_IMAGE = "vectorim/element-web:v1.11.58";

/** PostgreSQL for the dev stack's managed mode (eqmd's compose uses the same major). */
export const DEFAULT_POSTGRES_IMAGE = "postgres:15-alpine";

/** Redis for Synapse's workers (synapse.workers): the official image, Alpine variant. */
export const DEFAULT_REDIS_IMAGE = "redis:7.4-alpine";

/** nginx in front of Synapse's workers (synapse.workers): the official image, Alpine variant. */
export const DEFAULT_ROUTER_IMAGE = "nginx:1.28-alpine";

/** Oldest Synapse the workers support: `redis.password_path` (1.117.0) keeps Redis' password out of homeserver.yaml. */
export const MIN_WORKERS_SYNAPSE_VERSION = "1.117.0";
