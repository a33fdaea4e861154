/**
 * The end-to-end workers stack (`dev-workers-e2e`, a dev stack: it runs its own PostgreSQL): dev-e2e's config (Pulumi.dev.yaml plus
 * differences.ts) plus Synapse's worker mode, with a prefix, network, ports and state of its
 * own so that it runs beside a dev stack and the dev-e2e stack. Each difference from dev-e2e is
 * listed here with its reason; workersDifferences.test.ts checks the written config against it.
 */
import { DevE2eDifference } from "./differences";
import { NGINX_IMAGE, REDIS_IMAGE } from "./support/images";

export type WorkersDifferenceKind = DevE2eDifference["kind"] | "the feature under test";

export interface WorkersE2eDifference {
  readonly key: string;
  readonly value: unknown;
  readonly kind: WorkersDifferenceKind;
  readonly reason: string;
}

export const WORKERS_E2E_PREFIX = "eqmd_we2e";
export const WORKERS_E2E_SYNAPSE_PORT = 28008;
export const WORKERS_E2E_ELEMENT_PORT = 28080;
export const WORKERS_E2E_POSTGRES_PORT = 55434;
/** Main's metrics port; the workers follow it (sync1, client1, media1, background1). */
export const WORKERS_E2E_METRICS_PORT = 28090;

const BESIDE = "runs beside a dev stack and the dev-e2e stack; ";

export const WORKERS_E2E_DIFFERENCES: readonly WorkersE2eDifference[] = [
  {
    key: "synapse.workers",
    value: { sync: 1, client: 1, media: true, background: true },
    kind: "the feature under test",
    reason: "Synapse's worker mode: one worker of each kind the router sends requests to, and background tasks",
  },
  {
    key: "synapse.metrics",
    value: { port: `127.0.0.1:${WORKERS_E2E_METRICS_PORT}` },
    kind: "the feature under test",
    reason: "metrics of every process, to see which worker served a request",
  },
  {
    key: "redis.image",
    value: REDIS_IMAGE,
    kind: "stand-in image",
    reason: "stand-in for redis:7.4-alpine: Debian's redis-server 7.0",
  },
  {
    key: "router.image",
    value: NGINX_IMAGE,
    kind: "stand-in image",
    reason: "stand-in for nginx:1.28-alpine: Debian's nginx 1.22 (the program brings its own nginx.conf)",
  },
  {
    key: "containerPrefix",
    value: WORKERS_E2E_PREFIX,
    kind: "beside a dev stack",
    reason: `${BESIDE}dev-e2e's containers are eqmd_e2e_…, these eqmd_we2e_…`,
  },
  {
    key: "network.name",
    value: `${WORKERS_E2E_PREFIX}_net`,
    kind: "beside a dev stack",
    reason: `${BESIDE}dev-e2e creates eqmd_e2e_net`,
  },
  {
    key: "synapse.port",
    value: `127.0.0.1:${WORKERS_E2E_SYNAPSE_PORT}`,
    kind: "beside a dev stack",
    reason: `${BESIDE}dev-e2e publishes Synapse on 18008`,
  },
  {
    key: "publicBaseUrl",
    value: `http://localhost:${WORKERS_E2E_SYNAPSE_PORT}/`,
    kind: "beside a dev stack",
    reason: "follows synapse.port",
  },
  {
    key: "element.port",
    value: `127.0.0.1:${WORKERS_E2E_ELEMENT_PORT}`,
    kind: "beside a dev stack",
    reason: `${BESIDE}dev-e2e publishes Element on 18080`,
  },
  {
    key: "postgres.port",
    value: WORKERS_E2E_POSTGRES_PORT,
    kind: "beside a dev stack",
    reason: `${BESIDE}dev-e2e publishes its PostgreSQL on 55433`,
  },
];
