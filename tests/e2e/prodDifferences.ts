/**
 * Every place where the end-to-end prod stack (`prod-e2e`) differs from Pulumi.prod.yaml, and
 * why. The stack file Pulumi.prod-e2e.yaml is written from Pulumi.prod.yaml plus exactly these
 * values (prod.test.ts); prodDifferences.test.ts checks both files against this list.
 *
 * The eqmd side the prod example joins (compose network, PostgreSQL, Django, `.env`) is a
 * stand-in the test starts with Debian's docker-compose from support/eqmdStandIn.ts, under the
 * prefix `eqmd_pe2e` that nothing else on an engine carries.
 */
import { ELEMENT_IMAGE, EQMD_SYNAPSE_IMAGE, SYNAPSE_IMAGE } from "./support/images";

export type ProdDifferenceKind =
  /** No registry is reachable: stand-ins of our own for the official images. */
  | "stand-in image"
  /** A dev stack (eqmd_net, 8008, 8080) or the dev-e2e stack may be up on the same engine. */
  | "beside other stacks"
  /** No DNS name and no TLS certificate here: Synapse on loopback HTTP, the issuer on HTTP. */
  | "no TLS here"
  /** The eqmd stand-in instead of an eqmd host: its paths, its compose (v1, from Debian). */
  | "eqmd stand-in";

export interface ProdE2eDifference {
  /** Path below the `eqmd-matrix:` namespace. */
  readonly key: string;
  readonly value: unknown;
  readonly kind: ProdDifferenceKind;
  readonly reason: string;
}

/** The container prefix only the prod e2e test uses (so its leftovers are its own). */
export const PE2E_PREFIX = "eqmd_pe2e";
export const PE2E_NETWORK = `${PE2E_PREFIX}_net`;
export const PE2E_SYNAPSE_PORT = 18108;
export const PE2E_ELEMENT_PORT = 18180;
/** Where the host reaches the stand-in's PostgreSQL (eqmd publishes POSTGRES_PORT on loopback). */
export const PE2E_POSTGRES_PORT = 55434;
/**
 * The compose network's subnet and Django's fixed address on it, which is the issuer's host.
 * Fixed because the recreate command replaces the Django container, and the issuer URL
 * (in Synapse's config and the provider's own answers) must stay valid across it; the host
 * reaches it directly over the bridge, as Synapse does from inside the network.
 */
export const PE2E_SUBNET = "10.213.57.0/24";
export const PE2E_DJANGO_IP = "10.213.57.10";
export const PE2E_ISSUER = `http://${PE2E_DJANGO_IP}:8000/o`;
/** eqmd's checkout on the stand-in host (prod: /opt/eqmd); its basename is the compose project. */
export const PE2E_EQMD_DIR = `/var/tmp/${PE2E_PREFIX}`;
export const PE2E_DJANGO_CONTAINER = `${PE2E_PREFIX}_app`;

const BESIDE = "a dev stack and the dev-e2e stack may be up on the same engine; ";

export const PROD_E2E_DIFFERENCES: readonly ProdE2eDifference[] = [
  {
    key: "synapse.image",
    value: SYNAPSE_IMAGE,
    kind: "stand-in image",
    reason: "stand-in for matrixdotorg/synapse at the program's version: matrix-synapse from PyPI, its own start.py",
  },
  {
    key: "element.image",
    value: ELEMENT_IMAGE,
    kind: "stand-in image",
    reason: "stand-in for vectorim/element-web: Debian's nginx on port 80 serving /app and a placeholder page",
  },
  {
    key: "containerPrefix",
    value: PE2E_PREFIX,
    kind: "beside other stacks",
    reason: `${BESIDE}their containers are eqmd_… and eqmd_e2e_…, these eqmd_pe2e_…`,
  },
  {
    key: "network.name",
    value: PE2E_NETWORK,
    kind: "beside other stacks",
    reason: `${BESIDE}a dev stack owns eqmd_net, so the eqmd stand-in's compose names its network eqmd_pe2e_net (still joined, not created)`,
  },
  {
    key: "synapse.port",
    value: `127.0.0.1:${PE2E_SYNAPSE_PORT}`,
    kind: "beside other stacks",
    reason: `${BESIDE}they publish Synapse on 127.0.0.1:8008 and 18008`,
  },
  {
    key: "element.port",
    value: `127.0.0.1:${PE2E_ELEMENT_PORT}`,
    kind: "beside other stacks",
    reason: `${BESIDE}they publish Element on 127.0.0.1:8080 and 18080`,
  },
  {
    key: "postgres.port",
    value: PE2E_POSTGRES_PORT,
    kind: "beside other stacks",
    reason:
      "eqmd's PostgreSQL is published on a port of its own (POSTGRES_PORT), not 5432, which a host cluster may hold",
  },
  {
    key: "publicBaseUrl",
    value: `http://127.0.0.1:${PE2E_SYNAPSE_PORT}/`,
    kind: "no TLS here",
    reason:
      "no nginx, DNS name or certificate: clients reach Synapse's published port over HTTP; the OIDC redirect URI follows it",
  },
  {
    key: "oidc.issuer",
    value: PE2E_ISSUER,
    kind: "no TLS here",
    reason:
      "Django on its fixed compose address over HTTP, reachable by Synapse (same network) and the test (over the bridge)",
  },
  {
    key: "oidc.skipVerification",
    value: true,
    kind: "no TLS here",
    reason: "Authlib rejects a non-https issuer unless metadata verification is skipped",
  },
  {
    key: "django.exec.container",
    value: PE2E_DJANGO_CONTAINER,
    kind: "beside other stacks",
    reason: "<prefix>_app as in the prod example (eqmd_app), with this test's prefix",
  },
  {
    key: "envFile.path",
    value: `${PE2E_EQMD_DIR}/.env`,
    kind: "eqmd stand-in",
    reason: "the stand-in's checkout folder instead of /opt/eqmd",
  },
  {
    key: "envFile.recreateCommand",
    value: [
      "docker-compose",
      "-f",
      `${PE2E_EQMD_DIR}/docker-compose.deploy.yml`,
      "up",
      "-d",
      "--force-recreate",
      "--no-deps",
      "eqmd",
    ],
    kind: "eqmd stand-in",
    reason:
      "prod's own command word for word, but Debian ships only compose v1 (`docker-compose` 1.29.2, no `docker compose` plugin); and the stand-in's compose file",
  },
];

/**
 * The adopt-e2e stack (adopt.test.ts): prod-e2e's config on the same eqmd stand-in, except that
 * Synapse stays at eqmd's pin for the adopt, as the README's upgrade section says (keep 1.99.0,
 * adopt, then change that one value). The test then makes that change itself.
 */
export const ADOPT_E2E_DIFFERENCES: readonly ProdE2eDifference[] = PROD_E2E_DIFFERENCES.map((d) =>
  d.key === "synapse.image"
    ? {
        ...d,
        value: EQMD_SYNAPSE_IMAGE,
        reason:
          "stand-in for eqmd's eqmd-synapse:v1.99.0 (matrix-synapse 1.99.0 from PyPI): the adopt keeps eqmd's pin, the upgrade follows",
      }
    : d,
);

/**
 * Where the eqmd stand-in (testbed/oidc-provider, the e2e Django image) still differs
 * from eqmd's real code at 96bee67 (shared/eqmd-facts.md §15), each kept on purpose. What it
 * follows: `SECRET_KEY` by eqmd's name, required in the container shape; `/health/` as the
 * probe; redirect URIs registered as https:// and stored joined by spaces as eqmd's command
 * does; matrix_localpart's fallback and warning in matrix_provision_rooms.
 */
export const STAND_IN_DIFFERENCES: readonly { readonly what: string; readonly why: string }[] = [
  {
    what: "MATRIX_CALLBACK_SCHEME=http in the e2e tier's Django container (default and contract tier: https, eqmd's only value)",
    why: "the e2e stack's first up starts from an empty Django over HTTP; the contract tier shows the operator's fix instead (adding the http:// URI to the client, one a line)",
  },
  {
    what: "ALLOWED_HOSTS from EQMD_OP_ALLOWED_HOSTS (plus loopback), not eqmd's own variable",
    why: "the stand-in serves loopback and its fixed compose address only; eqmd's .env parsing of hosts is not what the Matrix side meets",
  },
  {
    what: "Django's auth_user table (AUTH_USER_MODEL default), not eqmd's accounts.EqmdCustomUser (accounts_eqmdcustomuser)",
    why: "not changed in this round: the prod e2e checksum of Django's data reads auth_user and accounts_userprofile; a custom user model means new migrations for the stand-in and the e2e image",
  },
  {
    what: "Django's LoginView with a username, not allauth's form with an e-mail `login` field and a verified address (ACCOUNT_EMAIL_VERIFICATION mandatory), nor eqmd's password-change/terms middlewares",
    why: "not changed in this round: django-allauth is not in the stand-in image; the SSO tests log in through the form the stand-in serves",
  },
  {
    what: "/health/ answers 200 'ok' from a plain view",
    why: "only the path is eqmd's (its probe); the body was not compared with eqmd's view",
  },
];
