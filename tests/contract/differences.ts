/**
 * Every place where the contract stack (tests/contract/Pulumi.contract.yaml) differs from the
 * production example (Pulumi.prod.yaml), and why. The contract runs the prod example on this
 * machine's loopback, without containers; anything not listed here is the prod value.
 * differences.test.ts fails when the two files differ somewhere this list does not name, or
 * when a listed key no longer differs. `runTime` marks values the flow replaces for each run
 * (support/program.ts runTimeOverrides): the file holds placeholders for them, which may equal
 * prod's (database.name), so they are checked on the config as overridden instead.
 *
 * Keys are paths below the `eqmd-matrix:` namespace. A key present on one side only is named
 * whole; arrays are compared as one value.
 */

export type DifferenceKind =
  /** Forced by loopback: addresses, ports, TLS trust for a local issuer. */
  | "loopback"
  /** No containers on this machine: commands run on the host, nothing is published or recreated. */
  | "no containers"
  /** This machine instead of an eqmd host: its PostgreSQL superuser, the test stand-ins for eqmd's files. */
  | "test machine";

export interface ConfigDifference {
  readonly key: string;
  readonly kind: DifferenceKind;
  readonly reason: string;
  /** Replaced again at run time (free ports, unique names, a temporary file). */
  readonly runTime?: true;
}

export const DIFFERENCES: readonly ConfigDifference[] = [
  {
    key: "publicBaseUrl",
    kind: "loopback",
    reason:
      "Synapse is reached on http://127.0.0.1:<free port>/ (no TLS, no DNS name); the OIDC redirect URI host follows it",
    runTime: true,
  },
  {
    key: "postgres.adminUser",
    kind: "test machine",
    reason: "the contract cluster's superuser is `postgres` (eqmd's cluster: eqmd_user)",
  },
  {
    key: "postgres.port",
    kind: "test machine",
    reason:
      "the contract's own PostgreSQL cluster listens on 54329, so it never collides with a cluster the machine already runs on 5432",
  },
  {
    key: "postgres.synapsePort",
    kind: "test machine",
    reason: "Synapse runs on this host and reaches the same cluster on 54329",
  },
  {
    key: "postgres.synapseHost",
    kind: "loopback",
    reason: "no compose network: Synapse reaches PostgreSQL on 127.0.0.1, not the service name `postgres`",
  },
  {
    key: "oidc.issuer",
    kind: "loopback",
    reason: "the test provider runs on http://127.0.0.1:<free port>/o (it builds its issuer from the request)",
    runTime: true,
  },
  {
    key: "oidc.skipVerification",
    kind: "loopback",
    reason: "TLS trust for a local issuer: Authlib rejects a non-https issuer unless metadata verification is skipped",
  },
  {
    key: "django.exec.command",
    kind: "no containers",
    reason: "the provider's manage.py runs on this host (empty exec prefix) instead of `docker exec -i <container>`",
  },
  {
    key: "django.exec.container",
    kind: "no containers",
    reason: "no Django container to exec into",
  },
  {
    key: "synapse.port",
    kind: "no containers",
    reason: "nothing to publish: Synapse listens on the loopback port itself (synapse.listenPort)",
  },
  {
    key: "synapse.listenPort",
    kind: "loopback",
    reason: "Synapse runs on the host, so its listener takes a free loopback port instead of the container's 8008",
    runTime: true,
  },
  {
    key: "synapse.bindAddresses",
    kind: "loopback",
    reason: "on the host the listener binds 127.0.0.1 only (in a container 0.0.0.0 is private to it)",
  },
  {
    key: "synapse.internalUrl",
    kind: "loopback",
    reason: "admin bootstrap and verification run on this host and reach Synapse on its loopback port",
    runTime: true,
  },
  {
    key: "synapse.exec",
    kind: "no containers",
    reason: "admin bootstrap and verification run on this host (empty exec prefix), not inside the Synapse container",
  },
  {
    key: "synapse.modules",
    kind: "test machine",
    reason:
      "prod leaves the path to eqmd's eqmd_policy.py (in eqmd's checkout) commented out; the contract uploads the stand-in tests/fixtures/eqmd_policy.py so module loading from /data/modules is exercised",
  },
  {
    key: "synapse.fileLog",
    kind: "no containers",
    reason:
      "the flow starts Synapse on the host with the media store as its one mount; the log file's volume and chown job are Docker objects (checked under mocks in tests/program), and the rendered file handler is run by each Synapse venv in tests/contract/logConfig.test.ts",
  },
  {
    key: "element.port",
    kind: "no containers",
    reason: "no Element container runs, so nothing is published",
  },
  {
    key: "database.name",
    kind: "test machine",
    reason: "a unique name per run on the shared server: never another run's or eqmd's matrix_db",
    runTime: true,
  },
  {
    key: "database.role",
    kind: "test machine",
    reason: "a unique role per run, likewise",
    runTime: true,
  },
  {
    key: "envFile.path",
    kind: "test machine",
    reason: "a temporary .env in the run directory instead of eqmd's /opt/eqmd/.env",
    runTime: true,
  },
  {
    key: "envFile.recreateCommand",
    kind: "no containers",
    reason: "no Django containers to recreate after the .env changes",
  },
  {
    key: "afterReset",
    kind: "test machine",
    reason:
      "prod leaves matrix_provision_rooms off (it creates an account for every active user: opt-in); the contract switches it on to show that clearStaleRooms + provisioning give fresh rooms after a reset (matrix_sync_lifecycle stays off: the stand-in has no lifecycle)",
  },
  {
    key: "django.managePy",
    kind: "no containers",
    reason:
      "manage.py runs on this host: the stand-in's by its absolute path, so every declared command runs from the project directory as Pulumi runs it",
    runTime: true,
  },
];

/**
 * Not a difference from prod but a variant of the contract itself: eqmd's own Synapse pin runs
 * with that version's image (the default version keeps prod's default image).
 */
export const VERSION_VARIANT = {
  key: "synapse.image",
  reason: "the Synapse version under test: eqmd's pin runs with its own image tag, so the venv matches the image",
} as const;

/** A leaf where two stack configs differ: its path and both values (undefined = absent). */
export interface FoundDifference {
  readonly key: string;
  readonly prod: unknown;
  readonly contract: unknown;
}

const NAMESPACE = "eqmd-matrix:";

/** Where two `config:` maps differ (objects recursed, arrays and scalars compared whole). */
export function compareConfigs(prod: Record<string, unknown>, contract: Record<string, unknown>): FoundDifference[] {
  const strip = (config: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(config).map(([key, value]) => [key.replace(NAMESPACE, ""), value]));
  const found: FoundDifference[] = [];
  const walk = (a: unknown, b: unknown, at: string): void => {
    if (isObject(a) && isObject(b)) {
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        walk(a[key], b[key], at ? `${at}.${key}` : key);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      found.push({ key: at, prod: a, contract: b });
    }
  };
  walk(strip(prod), strip(contract), "");
  return found;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
