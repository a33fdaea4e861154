/**
 * Names of the stand-in images testbed/setup/images.sh builds from testbed/images/ (never
 * the official names), at the versions the program pins.
 */
import { EQMD_SYNAPSE_VERSION, SYNAPSE_VERSION } from "../../../config/versions";

export const BASE_IMAGE = "eqmd-e2e/debian:bookworm";
export const SYNAPSE_IMAGE = `eqmd-e2e/synapse:v${SYNAPSE_VERSION}`;
export const EQMD_SYNAPSE_IMAGE = `eqmd-e2e/synapse:v${EQMD_SYNAPSE_VERSION}`;
export const ELEMENT_IMAGE = "eqmd-e2e/element-web:v1.11.58";
export const POSTGRES_IMAGE = "eqmd-e2e/postgres:15";
/** eqmd's Django stand-in (testbed/images/django): the contract tier's OpenID provider in a container. */
export const DJANGO_IMAGE = "eqmd-e2e/django:5.2";
/** Redis and the worker router (testbed/images/redis, nginx): Debian's redis-server and nginx. */
export const REDIS_IMAGE = "eqmd-e2e/redis:7";
export const NGINX_IMAGE = "eqmd-e2e/nginx:1.28";
