/**
 * Every place where the end-to-end dev stack (`dev-e2e`) differs from Pulumi.dev.yaml, and
 * why. The stack file Pulumi.dev-e2e.yaml is written from Pulumi.dev.yaml plus exactly these
 * values (support/devStack.ts); differences.test.ts checks both files against this list.
 *
 * Two kinds of difference, nothing else:
 * - image names: no registry is reachable here, so the stack runs on stand-ins that
 *   testbed/setup/images.sh builds (testbed/images/);
 * - names and ports: the tests must run beside a dev stack that is up on the same engine.
 *   Seen in CI: a reviewer's own `npm run up:dev` held eqmd_matrix_synapse, eqmd_net and
 *   127.0.0.1:8008 while the e2e tier ran, and the tier could not start. The prefix
 *   `eqmd_e2e` is the tier's own: nothing else on an engine carries it.
 */
import { ELEMENT_IMAGE, POSTGRES_IMAGE, SYNAPSE_IMAGE } from "./support/images";

export type DifferenceKind = "stand-in image" | "beside a dev stack";

export interface DevE2eDifference {
  /** Path below the `eqmd-matrix:` namespace. */
  readonly key: string;
  readonly value: string | number;
  readonly kind: DifferenceKind;
  readonly reason: string;
}

/** The container prefix only the e2e tier uses (so its leftovers are its own). */
export const E2E_PREFIX = "eqmd_e2e";
export const E2E_SYNAPSE_PORT = 18008;
export const E2E_ELEMENT_PORT = 18080;
export const E2E_POSTGRES_PORT = 55433;

const BESIDE_DEV = "a dev stack may be up on the same engine; ";

export const DEV_E2E_DIFFERENCES: readonly DevE2eDifference[] = [
  {
    key: "synapse.image",
    value: SYNAPSE_IMAGE,
    kind: "stand-in image",
    reason: "stand-in for matrixdotorg/synapse at the same version: matrix-synapse from PyPI, its own start.py",
  },
  {
    key: "element.image",
    value: ELEMENT_IMAGE,
    kind: "stand-in image",
    reason: "stand-in for vectorim/element-web: Debian's nginx on port 80 serving /app and a placeholder page",
  },
  {
    key: "postgres.image",
    value: POSTGRES_IMAGE,
    kind: "stand-in image",
    reason: "stand-in for postgres:15-alpine: Debian's PostgreSQL 15 with an entrypoint honouring POSTGRES_*",
  },
  {
    key: "containerPrefix",
    value: E2E_PREFIX,
    kind: "beside a dev stack",
    reason: `${BESIDE_DEV}its containers and volumes are named eqmd_…, these eqmd_e2e_…`,
  },
  {
    key: "network.name",
    value: `${E2E_PREFIX}_net`,
    kind: "beside a dev stack",
    reason: `${BESIDE_DEV}the dev stack creates eqmd_net and would own it`,
  },
  {
    key: "synapse.port",
    value: `127.0.0.1:${E2E_SYNAPSE_PORT}`,
    kind: "beside a dev stack",
    reason: `${BESIDE_DEV}the dev stack publishes Synapse on 127.0.0.1:8008`,
  },
  {
    key: "publicBaseUrl",
    value: `http://localhost:${E2E_SYNAPSE_PORT}/`,
    kind: "beside a dev stack",
    reason: "follows synapse.port, as Pulumi.dev.yaml's own value follows its port",
  },
  {
    key: "element.port",
    value: `127.0.0.1:${E2E_ELEMENT_PORT}`,
    kind: "beside a dev stack",
    reason: `${BESIDE_DEV}the dev stack publishes Element on 127.0.0.1:8080`,
  },
  {
    key: "postgres.port",
    value: E2E_POSTGRES_PORT,
    kind: "beside a dev stack",
    reason: `${BESIDE_DEV}the dev stack publishes its PostgreSQL on 127.0.0.1:55432`,
  },
];
