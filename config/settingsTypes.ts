/**
 * The shape of the typed, frozen settings every other module reads (settings.ts builds them,
 * derive.ts computes them). Types only, so the builder's modules can share them without
 * importing each other.
 */
import type { ResourceNames } from "./names";
import type { BuiltinHook } from "./schema";
import type { WorkerSpec } from "./workers";

export interface ExecTarget {
  /** Program and flags before the env flags, e.g. ["docker","exec","-i"]; empty = this host. */
  readonly command: readonly string[];
  /** Container or compose service; required when `command` is set. */
  readonly container?: string;
}

export interface PublishedPort {
  readonly ip: string;
  readonly port: number;
}

export interface SynapseModule {
  /** Python class path, e.g. "eqmd_policy.EqmdPolicyModule". */
  readonly module: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** Local files uploaded to /data/modules (read by files.ts, relative to the project). */
  readonly files: readonly string[];
}

export interface AfterResetHook {
  /** Management command and its arguments (after `manage.py`); absent for a builtin step. */
  readonly command?: readonly string[];
  /** One of the program's own steps, run through `manage.py shell` (absent for a command). */
  readonly builtin?: BuiltinHook;
  /** `KEY=VALUE` lines of its output kept as secret outputs (and written to `.env`). */
  readonly capture: readonly string[];
  /** Whether a warning line of eqmd's (e.g. "Invite skipped for …") fails the step. */
  readonly failOnWarnings: boolean;
  /**
   * Run the `checkLocalparts` step just before this hook (default: true for eqmd's commands that
   * create accounts, PROVISIONING_COMMANDS; false for any other hook).
   */
  readonly checkLocalparts: boolean;
  /** false: declared but not run (an opt-in hook the operator has not switched on). */
  readonly enabled: boolean;
}

/** A link Element lists under "Legal" (terms_and_conditions_links). */
export interface TermsLink {
  readonly text: string;
  readonly url: string;
}

/** Synapse's log file under /data/logs (on its own volume), rotated at midnight. */
export interface FileLog {
  /** Rotated files kept (Python's backupCount; eqmd: 3). */
  readonly keep: number;
}

export interface Settings {
  readonly stack: string;
  /** Every name derived from the container prefix (names.ts). */
  readonly names: ResourceNames;
  readonly server: {
    /** Synapse `server_name` (MATRIX_FQDN). */
    readonly name: string;
    readonly publicBaseUrl: string;
    readonly chatFqdn: string;
    readonly eqmdDomain: string;
    readonly hospitalEmail: string;
  };
  readonly uid: number;
  readonly gid: number;
  readonly synapse: {
    readonly image: string;
    readonly version: string;
    readonly port: PublishedPort | null;
    /** Port of Synapse's HTTP listener inside the container (eqmd: 8008). */
    readonly listenPort: number;
    readonly bindAddresses: readonly string[];
    readonly startTimeoutSeconds: number;
    readonly passwordLogin: boolean;
    /** Exempt the admin and eqmd's bot (MATRIX_BOT_ACCESS_TOKEN capture) from rate limits. */
    readonly rateLimitExempt: boolean;
    readonly exec: ExecTarget;
    readonly internalUrl: string;
    readonly extraSettings: Readonly<Record<string, unknown>>;
    readonly modules: readonly SynapseModule[];
    /** The log file next to stdout; absent = stdout only. */
    readonly fileLog?: FileLog;
    /** Memory limit in MiB; absent = none. */
    readonly memoryMb?: number;
    /** Worker mode (synapse.workers); absent = one process, as before. */
    readonly workers?: WorkersSettings;
    /** Metrics of every Synapse process (synapse.metrics); absent = none. */
    readonly metrics?: MetricsSettings;
  };
  readonly element: {
    readonly image: string;
    readonly port: PublishedPort | null;
    readonly containerPort: number;
    readonly brand: string;
    /** Where users open Element (SSO client whitelist); default https://<chatFqdn>/. */
    readonly publicUrl: string;
    /** Local file uploaded as /app/custom.css (read by files.ts). */
    readonly customCssFile?: string;
    readonly messagePinning: boolean;
    readonly showPresence: boolean;
    readonly termsLinks: readonly TermsLink[];
    /** The page Element's Home view shows; absent = Element's own. */
    readonly homeUrl?: string;
    /** "UID:GID" nginx runs as. */
    readonly user: string;
    /** tmpfs mounts on the read-only root. */
    readonly tmpfs: readonly string[];
    /** Memory limit in MiB; absent = none. */
    readonly memoryMb?: number;
  };
  readonly network: { readonly name: string; readonly create: boolean };
  readonly dockerHost?: string;
  readonly postgres: {
    readonly mode: "external" | "managed";
    readonly host: string;
    readonly port: number;
    readonly adminUser: string;
    readonly adminDatabase: string;
    readonly sslmode: "disable" | "require" | "verify-ca" | "verify-full";
    readonly superuser: boolean;
    readonly synapseHost: string;
    readonly synapsePort: number;
    readonly image: string;
    /** Managed mode only: memory limit in MiB; absent = none. */
    readonly memoryMb?: number;
  };
  readonly database: { readonly name: string; readonly role: string; readonly cpMin: number; readonly cpMax: number };
  readonly oidc: {
    readonly enabled: boolean;
    readonly providerId: string;
    /** The id Synapse advertises: `oidc-<providerId>`. */
    readonly idpId: string;
    readonly displayName: string;
    readonly issuer: string;
    readonly clientId: string;
    readonly scopes: readonly string[];
    readonly localpartTemplate: string;
    readonly displayNameTemplate: string;
    readonly emailTemplate: string;
    readonly skipVerification: boolean;
    readonly clientSecretFrom: "django" | "config";
  };
  readonly django: { readonly exec: ExecTarget; readonly managePy: readonly string[]; readonly migrate: boolean };
  readonly admin: { readonly username: string; readonly userId: string };
  readonly media: { readonly retainOnDelete: boolean };
  readonly envFile?: { readonly path: string; readonly recreateCommand: readonly string[] };
  readonly afterReset: readonly AfterResetHook[];
  readonly reset: { readonly allowed: boolean };
  /** Bounded json-file logs of every long-running container. */
  readonly containerLogs: { readonly maxSize: string; readonly maxFiles: number };
}

/** Synapse's worker mode: the processes beside the main one, Redis and the router. */
export interface WorkersSettings {
  /** Every worker, in the fixed order of config/workers.ts. */
  readonly list: readonly WorkerSpec[];
  /** Each worker's memory limit in MiB; absent = none. */
  readonly memoryMb?: number;
  readonly redis: { readonly image: string; readonly memoryMb?: number };
  readonly router: { readonly image: string; readonly memoryMb?: number };
}

/** Where each Synapse process publishes its metrics listener: main on `main`, workers after it. */
export interface MetricsSettings {
  readonly ip: string;
  /** Host port of main's metrics; worker i (0-based, config/workers.ts order) gets main + 1 + i. */
  readonly port: number;
}
