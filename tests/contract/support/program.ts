/**
 * The program as the contract tests see it: index.ts evaluated under Pulumi mocks with the
 * `contract` stack config (tests/contract/Pulumi.contract.yaml) plus the values only known at run
 * time, and typed views of what it declares: the database, the Synapse container's files and
 * command line, and the commands, each found by its component's type token (no second copy of
 * resource names, files or scripts here).
 *
 * `commandStdout` feeds the real output of commands that already ran back into the program, so
 * it declares what it would after them (the OIDC client secret in Synapse's files, the admin
 * token in the verification's stdin, ...).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { TYPE } from "../../../components/tokens";
import { DEFAULT_SYNAPSE_IMAGE, SYNAPSE_VERSION } from "../../../config/versions";
import { parseVersionFromImage } from "../../../config/version";
import { ProgramRun, RecordedResource, runProgram } from "../../support/programHarness";
import { PROVIDER_PROJECT, REPO_ROOT } from "./paths";
import type { SynapseFile } from "./synapse";

export const CONTRACT_STACK_FILE = "tests/contract/Pulumi.contract.yaml";
export const PROD_STACK_FILE = "Pulumi.prod.yaml";
export const CONTRACT_STACK = "contract";
const NAMESPACE = "eqmd-matrix";

const RESOURCE = {
  role: "postgresql:index/role:Role",
  database: "postgresql:index/database:Database",
  container: "docker:index/container:Container",
  command: "command:local:Command",
} as const;

/** The values the contract config cannot hold: they are chosen for each run. */
export interface RunTimeValues {
  /** Free loopback port Synapse listens on (public base URL, listener, internal URL). */
  readonly synapsePort: number;
  /** Free loopback port of the OpenID provider (issuer). */
  readonly providerPort: number;
  /** Unique database and role names (never another run's, never eqmd's). */
  readonly database: string;
  readonly role: string;
  /** A temporary `.env` the env-file command writes. */
  readonly envFilePath: string;
  /** The Synapse version under test: its image replaces the default tag when it differs. */
  readonly synapseVersion: string;
}

/** `config:` of a stack file, keyed "eqmd-matrix:<key>". */
export function readStackConfigFile(stackFile: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(REPO_ROOT, stackFile), "utf8")) as { config?: Record<string, unknown> };
  return doc.config ?? {};
}

/**
 * Overrides for the harness: every top-level key that changes, with its FULL value (an override
 * replaces the whole key), built from the contract file's own value.
 */
export function runTimeOverrides(values: RunTimeValues): Record<string, unknown> {
  const config = readStackConfigFile(CONTRACT_STACK_FILE);
  const top = (key: string): Record<string, unknown> => {
    const value = config[`${NAMESPACE}:${key}`];
    if (!isRecord(value)) {
      throw new Error(`${CONTRACT_STACK_FILE} has no object ${NAMESPACE}:${key}`);
    }
    return structuredClone(value);
  };
  const synapseUrl = `http://127.0.0.1:${values.synapsePort}`;
  const synapse: Record<string, unknown> = {
    ...top("synapse"),
    listenPort: values.synapsePort,
    internalUrl: synapseUrl,
  };
  if (values.synapseVersion !== SYNAPSE_VERSION) {
    synapse["image"] = imageFor(values.synapseVersion);
  }
  return {
    [`${NAMESPACE}:publicBaseUrl`]: `${synapseUrl}/`,
    [`${NAMESPACE}:synapse`]: synapse,
    [`${NAMESPACE}:oidc`]: { ...top("oidc"), issuer: `http://127.0.0.1:${values.providerPort}/o` },
    [`${NAMESPACE}:database`]: { ...top("database"), name: values.database, role: values.role },
    [`${NAMESPACE}:envFile`]: { ...top("envFile"), path: values.envFilePath },
    [`${NAMESPACE}:django`]: {
      ...top("django"),
      managePy: [...(top("django")["managePy"] as string[]).slice(0, -1), path.join(PROVIDER_PROJECT, "manage.py")],
    },
  };
}

/** The official image of a Synapse version (the default image with another tag). */
export function imageFor(version: string): string {
  return DEFAULT_SYNAPSE_IMAGE.replace(/:v[^:]+$/, `:v${version}`);
}

/**
 * The program evaluated for this run; `commandStdout` maps command resource names to real
 * output; `variant` overrides whole keys on top (a test's own variation of the contract).
 */
export function recordContract(
  values: RunTimeValues,
  commandStdout: Record<string, string> = {},
  variant: Record<string, unknown> = {},
): Declared {
  return new Declared(
    runProgram(CONTRACT_STACK_FILE, {
      stack: CONTRACT_STACK,
      overrides: { ...runTimeOverrides(values), ...variant },
      commandStdout,
    }),
  );
}

/** The contract's `afterReset` list as the file holds it (for a variant of one hook). */
export function contractHooks(): Record<string, unknown>[] {
  const hooks = readStackConfigFile(CONTRACT_STACK_FILE)[`${NAMESPACE}:afterReset`];
  if (!Array.isArray(hooks)) throw new Error(`${CONTRACT_STACK_FILE} has no list ${NAMESPACE}:afterReset`);
  return structuredClone(hooks) as Record<string, unknown>[];
}

export interface DeclaredCommand {
  /** Resource name (the key of `commandStdout`). */
  readonly name: string;
  /** Script for `/bin/sh -c` (the command provider's default interpreter). */
  readonly create: string;
  readonly stdin?: string;
  /** Variables added to the command's environment. */
  readonly environment: Readonly<Record<string, string>>;
  /** Working directory, when declared. */
  readonly dir?: string;
}

export interface DeclaredSynapse {
  readonly containerName: string;
  readonly image: string;
  /** Container path → file, with the declared owner and mode. */
  readonly files: Record<string, SynapseFile>;
  /** The `--config-path` arguments of the container command, in order. */
  readonly configPaths: string[];
  /** The container environment. */
  readonly env: Record<string, string>;
  /** The container's `user:` (UID:GID). */
  readonly user: { uid: number; gid: number };
  /** Container paths of its writable volumes (the media store, the log folder). */
  readonly volumePaths: string[];
}

/** Command inputs this test knows how to run; anything else must be taught to `runDeclared` first. */
const COMMAND_INPUTS = new Set(["create", "stdin", "environment", "dir", "logging", "triggers"]);
const ROLE_INPUTS = new Set(["name", "login", "password"]);
const DATABASE_INPUTS = new Set(["name", "owner", "encoding", "lcCollate", "lcCtype", "template"]);

export interface DeclaredRole {
  readonly name: string;
  readonly login: boolean;
  readonly password: string;
}

export interface DeclaredDatabase {
  readonly name: string;
  readonly owner: string;
  readonly encoding: string;
  readonly lcCollate: string;
  readonly lcCtype: string;
  readonly template: string;
}

/** Typed views of one evaluation. */
export class Declared {
  constructor(readonly run: ProgramRun) {}

  /** A stack output's value (string outputs only). */
  output(name: string): string {
    const value = this.run.outputs[name]?.value;
    if (typeof value !== "string") {
      throw new Error(`the program exports no string ${name}`);
    }
    return value;
  }

  role(): DeclaredRole {
    const inputs = only(this.inMatrix(RESOURCE.role, TYPE.SynapseDatabase), "PostgreSQL role").inputs;
    checkKnown(inputs, ROLE_INPUTS, "postgresql Role");
    return { name: str(inputs, "name"), login: inputs["login"] === true, password: str(inputs, "password") };
  }

  database(): DeclaredDatabase {
    const inputs = only(this.inMatrix(RESOURCE.database, TYPE.SynapseDatabase), "PostgreSQL database").inputs;
    checkKnown(inputs, DATABASE_INPUTS, "postgresql Database");
    return {
      name: str(inputs, "name"),
      owner: str(inputs, "owner"),
      encoding: str(inputs, "encoding"),
      lcCollate: str(inputs, "lcCollate"),
      lcCtype: str(inputs, "lcCtype"),
      template: str(inputs, "template"),
    };
  }

  synapse(): DeclaredSynapse {
    const containerName = this.output("synapseContainerName");
    const container = only(
      this.run.all(RESOURCE.container).filter((r) => r.inputs["name"] === containerName),
      `container ${containerName}`,
    );
    const inputs = container.inputs;
    const files: Record<string, SynapseFile> = {};
    // Synapse's files reach it on volumes written by one-shot jobs: the files it sees are the
    // uploads of every job that mounts one of its volumes at the same path.
    const mounts = new Set(list(inputs, "volumes").map((v) => `${str(v, "volumeName")}@${str(v, "containerPath")}`));
    const writers = this.run
      .all(RESOURCE.container)
      .filter(
        (r) =>
          r !== container &&
          list(r.inputs, "volumes").some((v) => mounts.has(`${str(v, "volumeName")}@${str(v, "containerPath")}`)),
      );
    for (const upload of [...list(inputs, "uploads"), ...writers.flatMap((w) => list(w.inputs, "uploads"))]) {
      const file = str(upload, "file");
      files[file] = {
        content: str(upload, "content"),
        mode: octal(str(upload, "permissions"), `${file} permissions`),
        owner: {
          uid: numeric(str(upload, "owner"), `${file} owner`),
          gid: numeric(str(upload, "group"), `${file} group`),
        },
      };
    }
    const command = list(inputs, "command").map((part) => {
      if (typeof part !== "string") throw new Error("the Synapse container command holds a non-string");
      return part;
    });
    const configPaths: string[] = [];
    command.forEach((part, i) => {
      if (part === "--config-path" || part === "-c") configPaths.push(command[i + 1] ?? "");
    });
    const env: Record<string, string> = {};
    for (const entry of list(inputs, "envs")) {
      if (typeof entry !== "string" || !entry.includes("="))
        throw new Error(`bad container env entry ${String(entry)}`);
      env[entry.slice(0, entry.indexOf("="))] = entry.slice(entry.indexOf("=") + 1);
    }
    // Who Synapse runs as: the container's `user:`, or else the UID/GID that the image's
    // start.py drops to from root (991:991 when unset, as the official image).
    const [uid, gid] =
      inputs["user"] !== undefined ? str(inputs, "user").split(":") : [env.UID ?? "991", env.GID ?? env.UID ?? "991"];
    return {
      containerName,
      image: this.output("synapseImage"),
      files,
      configPaths,
      env,
      user: { uid: numeric(uid, "container user"), gid: numeric(gid ?? uid, "container group") },
      // The read-only volumes carry the files above; the writable ones are Synapse's stores.
      volumePaths: list(inputs, "volumes")
        .filter((v) => !(isRecord(v) && v["readOnly"] === true))
        .map((v) => str(v, "containerPath")),
    };
  }

  /** The file the container receives at `containerPath`, as text. */
  synapseFile(containerPath: string): string {
    const file = this.synapse().files[containerPath];
    if (!file) throw new Error(`the Synapse container receives no ${containerPath}`);
    return file.content.toString();
  }

  /** The declared homeserver.yaml (first config path), parsed. */
  homeserver(): Record<string, unknown> {
    const first = this.synapse().configPaths[0];
    const value: unknown = parse(this.synapseFile(first));
    if (!isRecord(value)) throw new Error(`${first} is not a YAML mapping`);
    return value;
  }

  oidcClientSetup(): DeclaredCommand {
    return this.commandOf(TYPE.OidcClient);
  }

  adminBootstrap(): DeclaredCommand {
    return this.commandOf(TYPE.SynapseAdmin);
  }

  verification(): DeclaredCommand {
    return this.commandOf(TYPE.Verification);
  }

  /** The after-reset hooks, in declaration (= execution) order. */
  afterResetHooks(): DeclaredCommand[] {
    return this.inMatrix(RESOURCE.command, TYPE.AfterResetHooks).map(toCommand);
  }

  envFileWrite(): DeclaredCommand {
    return this.commandOf(TYPE.EnvFileSync);
  }

  private commandOf(componentType: string): DeclaredCommand {
    return toCommand(only(this.inMatrix(RESOURCE.command, componentType), `command of ${componentType}`));
  }

  /** Resources of `type` whose parent component has type `componentType`. */
  private inMatrix(type: string, componentType: string): RecordedResource[] {
    return this.run.all(type).filter((r) => this.run.resources.find((p) => p.urn === r.parent)?.type === componentType);
  }
}

function toCommand(resource: RecordedResource): DeclaredCommand {
  const inputs = resource.inputs;
  checkKnown(inputs, COMMAND_INPUTS, `command ${resource.name}`);
  const environment: Record<string, string> = {};
  const declared = inputs["environment"];
  if (declared !== undefined) {
    if (!isRecord(declared)) throw new Error(`${resource.name}: environment is not an object`);
    for (const [key, value] of Object.entries(declared)) environment[key] = String(value);
  }
  return {
    name: resource.name,
    create: str(inputs, "create"),
    ...(typeof inputs["stdin"] === "string" ? { stdin: inputs["stdin"] } : {}),
    environment,
    ...(typeof inputs["dir"] === "string" ? { dir: inputs["dir"] } : {}),
  };
}

/** The version an image tag names (to tie the venv under test to the declared image). */
export function versionOfImage(image: string): string | undefined {
  return parseVersionFromImage(image);
}

function only<T>(items: readonly T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected the program to declare one ${what}, found ${items.length}`);
  return items[0];
}

function checkKnown(inputs: Record<string, unknown>, known: ReadonlySet<string>, what: string): void {
  const unknown = Object.keys(inputs).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new Error(
      `the program now declares ${unknown.join(", ")} on the ${what}; the contract test does not apply it yet ` +
        "(teach tests/contract/support what it means instead of ignoring it)",
    );
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(obj: unknown, key: string): string {
  const value = isRecord(obj) ? obj[key] : undefined;
  if (typeof value !== "string") throw new Error(`expected a string ${key} in ${JSON.stringify(obj).slice(0, 200)}`);
  return value;
}

function list(obj: Record<string, unknown>, key: string): unknown[] {
  const value = obj[key];
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function numeric(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${what} is not numeric: ${text}`);
  return Number(text);
}

function octal(text: string, what: string): number {
  if (!/^0?[0-7]{3}$/.test(text)) throw new Error(`${what} is not an octal mode: ${text}`);
  return parseInt(text, 8);
}
