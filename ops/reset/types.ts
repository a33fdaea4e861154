/**
 * The seams of `npm run reset`: everything the reset touches outside its own logic (the Pulumi
 * stack, the terminal, child processes, the clock, the disk) comes in through these interfaces,
 * so the orchestration can be run against recording fakes.
 */
import type { ConfigIssue } from "../../config/errors";
import type { Settings } from "../../config/settings";

/** Checks eqmd's `.env` against the settings (config/envFileCheck.ts); no issues = consistent. */
export type EnvCheck = (settings: Settings) => readonly ConfigIssue[];

/** One config value as `pulumi config --json` reports it (objects are JSON text). */
export interface ResetConfigValue {
  readonly value: string;
  readonly secret?: boolean;
}

/** One stack output as `pulumi stack output --json` reports it. */
export interface ResetOutputValue {
  readonly value: unknown;
  readonly secret: boolean;
}

/** Options for the targeted destroy (and its preview). The same fields as the Automation API. */
export interface ResetDestroyOptions {
  readonly target: string[];
  readonly targetDependents: boolean;
  readonly onOutput?: (text: string) => void;
  /** Engine events; the preview uses them to list what would be deleted. */
  readonly onEvent?: (event: ResetEngineEvent) => void;
}

export interface ResetUpOptions {
  readonly onOutput?: (text: string) => void;
  /** URNs to replace (a restore reruns the steps after Synapse: admin, verification, hooks, .env). */
  readonly replace?: string[];
}

/** The part of an Automation API engine event the reset reads. */
export interface ResetEngineEvent {
  readonly resourcePreEvent?: {
    readonly metadata: { readonly op: string; readonly urn: string; readonly type: string };
  };
}

/**
 * The stack a reset works on. `@pulumi/pulumi/automation`'s `Stack` satisfies it (see
 * automation.ts, which only narrows its errors); tests pass a recording fake.
 */
export interface ResetStack {
  readonly name: string;
  /** Every config key of the stack, `"<namespace>:<key>"` → value, secrets in clear text. */
  getAllConfig(): Promise<Record<string, ResetConfigValue>>;
  /** Outputs of the last `up`; `{}` when the stack was never deployed. */
  outputs(): Promise<Record<string, ResetOutputValue>>;
  /** Dry run of the destroy: what would be deleted. */
  previewDestroy(
    opts: ResetDestroyOptions,
  ): Promise<{ readonly stdout?: string; readonly changeSummary?: Record<string, number> }>;
  destroy(opts: ResetDestroyOptions): Promise<unknown>;
  up(opts: ResetUpOptions): Promise<unknown>;
  /**
   * Optional: the stack's state, used to find the MatrixStack URN when the outputs do not carry
   * it (e.g. the first `up` failed before exporting them). `{ deployment: { resources: [...] } }`.
   */
  exportStack?(): Promise<{ readonly deployment?: unknown }>;
}

/** A child process to run: program + arguments, extra environment, optional stdout file. */
export interface CommandSpec {
  /** argv[0] is the program. Never put a secret here: argv is visible in `ps`. */
  readonly argv: readonly string[];
  /** Added to the inherited environment; the only place secrets may go. */
  readonly env?: Readonly<Record<string, string>>;
  /** Write the command's stdout to this file (created/truncated) instead of capturing it. */
  readonly stdoutFile?: string;
  /** Feed this file to the command's stdin (else stdin is closed). */
  readonly stdinFile?: string;
}

export interface CommandResult {
  /** Exit code; 127 when the program could not be started. */
  readonly exitCode: number;
  /** Captured stdout (empty when `stdoutFile` was given). */
  readonly stdout: string;
  readonly stderr: string;
}

export interface ResetDeps {
  readonly stack: ResetStack;
  /** Whether a person can answer a prompt (stdin is a terminal). */
  readonly isTTY: boolean;
  /** Shows `question` and reads one typed line; `undefined` on end of input or Ctrl-C. */
  prompt(question: string): Promise<string | undefined>;
  runCommand(spec: CommandSpec): Promise<CommandResult>;
  /** The clock: phase timings and backup file names. */
  now(): Date;
  /** Progress and results (stdout). Text is written as is; lines carry their own "\n". */
  write(text: string): void;
  /** Errors and refusals (stderr); defaults to `write`. */
  writeError?(text: string): void;
  /** Checks eqmd's `.env` against the stack before anything changes; absent = no check. */
  readonly envCheck?: EnvCheck;
}

export interface ResetOptions {
  readonly stack: string;
  readonly wipeMedia: boolean;
  readonly yes: boolean;
  /** Directory for the database dump and media archive; absent = no backup. */
  readonly backupDir?: string;
}

/** Process exit codes of `npm run reset`. */
export const EXIT = {
  ok: 0,
  /** Aborted by the operator, or a step failed. */
  failed: 1,
  /** Bad arguments, or the reset was refused (forbidden stack, no terminal without --yes). */
  refused: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
