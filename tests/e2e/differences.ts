/**
 * Every place where the end-to-end dev stack (`dev-e2e`) differs from Pulumi.dev.yaml, and
 * why. The stack file Pulumi.dev-e2e.yaml is written from Pulumi.dev.yaml plus exactly these
 * values (support/devStack.ts); differences.test.ts checks both files against this list.
 * Only image names differ: no registry is reachable here, so the stacks run on stand-ins
 * that scripts/e2e/images.sh builds (tests/e2e/images/). Ports stay the dev ports.
 */
import { ELEMENT_IMAGE, POSTGRES_IMAGE, SYNAPSE_IMAGE } from "./support/images";

export interface DevE2eDifference {
  /** Path below the `eqmd-matrix:` namespace. */
  readonly key: string;
  readonly value: string;
  readonly reason: string;
}

export const DEV_E2E_DIFFERENCES: readonly DevE2eDifference[] = [
  {
    key: "synapse.image",
    value: SYNAPSE_IMAGE,
    reason: "stand-in for matrixdotorg/synapse at the same version: matrix-synapse from PyPI, its own start.py",
  },
  {
    key: "element.image",
    value: ELEMENT_IMAGE,
    reason: "stand-in for vectorim/element-web: Debian's nginx on port 80 serving /app and a placeholder page",
  },
  {
    key: "postgres.image",
    value: POSTGRES_IMAGE,
    reason: "stand-in for postgres:15-alpine: Debian's PostgreSQL 15 with an entrypoint honouring POSTGRES_*",
  },
];
