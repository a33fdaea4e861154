/**
 * The seams of `npm run adopt`: the stack, the terminal and child processes come in through
 * these interfaces, so the adopt runs against recording fakes in tests.
 */
import type { Deployment, ImportResource } from "@pulumi/pulumi/automation";
import type { CommandResult, CommandSpec, ResetConfigValue, ResetEngineEvent } from "../reset/types";

export { EXIT } from "../reset/types";
export type { ExitCode } from "../reset/types";

/** A role as pg_roles has it. */
export interface RoleFacts {
  readonly name: string;
  readonly superuser: boolean;
  readonly canLogin: boolean;
}

/** What Synapse keeps in its database, when it ever ran there. */
export interface SynapseContent {
  /** The server names of its accounts (`@local:server`). */
  readonly serverNames: readonly string[];
  readonly users: number;
  readonly rooms: number;
  readonly localMedia: number;
  readonly schemaVersion: number | null;
}

/** A database as pg_database has it. */
export interface DatabaseFacts {
  readonly name: string;
  readonly owner: string;
  readonly encoding: string;
  readonly lcCollate: string;
  readonly lcCtype: string;
  readonly synapse?: SynapseContent;
}

export interface VolumeFacts {
  readonly name: string;
  readonly driver: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ContainerFacts {
  readonly name: string;
  /** The full container id: the docker provider imports by id, not by name. */
  readonly id: string;
  readonly image: string;
  readonly status: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The hand-built objects found on the host (absent = not there). */
export interface HostObjects {
  readonly role?: RoleFacts;
  readonly database?: DatabaseFacts;
  readonly volume?: VolumeFacts;
  readonly synapseContainer?: ContainerFacts;
  readonly elementContainer?: ContainerFacts;
}

export interface AdoptImportOptions {
  readonly resources: ImportResource[];
  readonly nameTable: Record<string, string>;
  readonly protect: false;
  readonly generateCode: false;
  readonly onOutput?: (text: string) => void;
}

export interface AdoptPreviewOptions {
  readonly onOutput?: (text: string) => void;
  readonly onEvent?: (event: AdoptEngineEvent) => void;
}

/** The part of an engine event the adopt reads. */
export interface AdoptEngineEvent {
  readonly resourcePreEvent?: ResetEngineEvent["resourcePreEvent"];
}

/**
 * The stack an adopt works on. `@pulumi/pulumi/automation`'s `Stack` satisfies it (see
 * automation.ts); tests pass a recording fake.
 */
export interface AdoptStack {
  readonly name: string;
  getAllConfig(): Promise<Record<string, ResetConfigValue>>;
  exportStack(): Promise<Deployment>;
  /** Puts a saved state back (the adopt's undo). */
  importStack(state: Deployment): Promise<void>;
  /** `pulumi up` of the program. */
  up(opts: { readonly onOutput?: (text: string) => void }): Promise<unknown>;
  /** `up --target <urns>` of a program declaring only the explicit providers (providersProgram.ts). */
  recordProviders(opts: {
    readonly target: readonly string[];
    readonly onOutput?: (text: string) => void;
  }): Promise<unknown>;
  import(opts: AdoptImportOptions): Promise<unknown>;
  preview(opts: AdoptPreviewOptions): Promise<{ readonly changeSummary?: Record<string, number> }>;
}

export interface AdoptDeps {
  readonly stack: AdoptStack;
  readonly isTTY: boolean;
  prompt(question: string): Promise<string | undefined>;
  runCommand(spec: CommandSpec): Promise<CommandResult>;
  write(text: string): void;
  writeError?(text: string): void;
}

export interface AdoptOptions {
  readonly stack: string;
  readonly yes: boolean;
}
