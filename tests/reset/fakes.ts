/**
 * Recording fakes for the reset: a stack that logs every call with its options, and deps
 * (prompt, commands, clock, output) that log into the same journal, so tests can assert order.
 */
import { SYNAPSE_PATHS } from "../../render/paths";
import {
  CommandResult,
  CommandSpec,
  ResetConfigValue,
  ResetDeps,
  ResetDestroyOptions,
  ResetEngineEvent,
  ResetOutputValue,
  ResetStack,
  ResetUpOptions,
} from "../../ops/reset/types";
import { factsFrom, isRefused, ResetFacts } from "../../ops/reset/facts";
import * as fs from "node:fs";
import { oneFileTar } from "../support/tar";

export const STACK = "dev";
export const URN = `urn:pulumi:${STACK}::eqmd-matrix::eqmd:matrix:MatrixStack::matrix`;
export const PASSWORD = "s3cr3t-admin-pw";

export type StackCall =
  | { readonly method: "getAllConfig" }
  | { readonly method: "outputs" }
  | { readonly method: "exportStack" }
  | { readonly method: "previewDestroy"; readonly opts: ResetDestroyOptions }
  | { readonly method: "destroy"; readonly opts: ResetDestroyOptions }
  | { readonly method: "up"; readonly opts: ResetUpOptions };

export interface FakeStackInit {
  readonly name?: string;
  readonly config?: Record<string, ResetConfigValue>;
  readonly outputs?: Record<string, ResetOutputValue>;
  readonly deployment?: unknown;
  /** Events the preview sends to onEvent. */
  readonly previewEvents?: readonly ResetEngineEvent[];
  /** Outputs once an `up` has run (a new host: none before, the stack's after). */
  readonly outputsAfterUp?: Record<string, ResetOutputValue>;
  readonly fail?: Partial<Record<"getAllConfig" | "outputs" | "previewDestroy" | "destroy" | "up", string>>;
}

export interface Journal {
  /** "stack:<method>", "cmd:<argv joined>", "prompt". */
  readonly entries: string[];
}

export class FakeStack implements ResetStack {
  readonly name: string;
  readonly calls: StackCall[] = [];
  exportStack?: () => Promise<{ deployment?: unknown }>;

  constructor(
    private readonly init: FakeStackInit,
    private readonly journal: Journal,
  ) {
    this.name = init.name ?? STACK;
    if (init.deployment !== undefined) {
      this.exportStack = () =>
        later(() => {
          this.record({ method: "exportStack" });
          return { deployment: init.deployment };
        });
    }
  }

  private record(call: StackCall): void {
    this.calls.push(call);
    this.journal.entries.push(`stack:${call.method}`);
    const failure = this.init.fail?.[call.method as keyof NonNullable<FakeStackInit["fail"]>];
    if (failure !== undefined) throw new Error(failure);
  }

  getAllConfig(): Promise<Record<string, ResetConfigValue>> {
    return later(() => {
      this.record({ method: "getAllConfig" });
      return this.init.config ?? config({});
    });
  }

  outputs(): Promise<Record<string, ResetOutputValue>> {
    return later(() => {
      this.record({ method: "outputs" });
      if (this.init.outputsAfterUp && this.calls.some((c) => c.method === "up")) return this.init.outputsAfterUp;
      return this.init.outputs ?? defaultOutputs();
    });
  }

  previewDestroy(opts: ResetDestroyOptions): Promise<{ stdout: string; changeSummary: Record<string, number> }> {
    return later(() => this.previewNow(opts));
  }

  private previewNow(opts: ResetDestroyOptions): { stdout: string; changeSummary: Record<string, number> } {
    this.record({ method: "previewDestroy", opts });
    opts.onOutput?.("Previewing destroy (dev):\n - eqmd:matrix:MatrixStack matrix delete\n");
    for (const e of this.init.previewEvents ?? defaultPreviewEvents()) opts.onEvent?.(e);
    return { stdout: "", changeSummary: { delete: (this.init.previewEvents ?? defaultPreviewEvents()).length } };
  }

  destroy(opts: ResetDestroyOptions): Promise<{ stdout: string }> {
    return later(() => {
      this.record({ method: "destroy", opts });
      opts.onOutput?.("Destroying (dev): deleted 3\n");
      return { stdout: "" };
    });
  }

  up(opts: ResetUpOptions): Promise<{ stdout: string }> {
    return later(() => {
      this.record({ method: "up", opts });
      opts.onOutput?.("Updating (dev): created 3\n");
      return { stdout: "" };
    });
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  call<M extends StackCall["method"]>(method: M): Extract<StackCall, { method: M }> | undefined {
    return this.calls.find((c): c is Extract<StackCall, { method: M }> => c.method === method);
  }
}

export function defaultOutputs(over: Record<string, unknown> = {}): Record<string, ResetOutputValue> {
  const plain: Record<string, unknown> = {
    matrixStackUrn: URN,
    mediaVolumeName: "eqmd_matrix_media_store",
    synapseContainerName: "eqmd_matrix_synapse",
    ...over,
  };
  const out: Record<string, ResetOutputValue> = {};
  for (const [k, v] of Object.entries(plain)) if (v !== undefined) out[k] = { value: v, secret: false };
  out["synapseAdminToken"] = { value: "syt_admin_token_value", secret: true };
  out["oidcClientSecret"] = { value: "oidc-client-secret-value", secret: true };
  return out;
}

export function defaultPreviewEvents(): ResetEngineEvent[] {
  const child = (type: string, name: string): ResetEngineEvent => ({
    resourcePreEvent: {
      metadata: { op: "delete", type, urn: `urn:pulumi:dev::eqmd-matrix::eqmd:matrix:MatrixStack$${type}::${name}` },
    },
  });
  return [
    child("docker:index/container:Container", "eqmd_element_web"),
    child("docker:index/container:Container", "eqmd_matrix_synapse"),
    child("postgresql:index/database:Database", "matrix_db"),
    { resourcePreEvent: { metadata: { op: "delete", type: "eqmd:matrix:MatrixStack", urn: URN } } },
  ];
}

/** The config map a stack returns, from `key → JSON-able value` (objects become JSON text). */
/** A stack's config as the Automation API reports it; eqmdDomain (required) defaults to localhost. */
export function config(
  values: Record<string, unknown>,
  secrets: readonly string[] = [],
): Record<string, ResetConfigValue> {
  const out: Record<string, ResetConfigValue> = {};
  for (const [k, v] of Object.entries({ eqmdDomain: "localhost", ...values })) {
    out[`eqmd-matrix:${k}`] = { value: typeof v === "string" ? v : JSON.stringify(v), secret: secrets.includes(k) };
  }
  return out;
}

export interface FakeDepsInit {
  readonly isTTY?: boolean;
  /** Answers to successive prompts; undefined = end of input. */
  readonly answers?: ReadonlyArray<string | undefined>;
  /** Result for a command, by argv[0..1] ("pg_dump", "docker cp", "docker volume"). */
  readonly commandResults?: Partial<Record<string, Partial<CommandResult>>>;
}

export interface FakeWorld {
  readonly deps: ResetDeps;
  readonly stack: FakeStack;
  readonly journal: Journal;
  readonly commands: CommandSpec[];
  readonly prompts: string[];
  /** Everything written to stdout. */
  out(): string;
  /** Everything written to stderr. */
  err(): string;
  /** Both, in order. */
  all(): string;
}

export function world(stackInit: FakeStackInit = {}, init: FakeDepsInit = {}): FakeWorld {
  const journal: Journal = { entries: [] };
  const stack = new FakeStack(stackInit, journal);
  const commands: CommandSpec[] = [];
  const prompts: string[] = [];
  const answers = [...(init.answers ?? [])];
  let out = "";
  let err = "";
  let all = "";
  let clock = Date.UTC(2026, 7, 12, 3, 15, 0);
  const deps: ResetDeps = {
    stack,
    isTTY: init.isTTY ?? true,
    prompt: (question) =>
      later(() => {
        prompts.push(question);
        journal.entries.push("prompt");
        return answers.shift();
      }),
    runCommand: (spec) =>
      later(() => {
        commands.push(spec);
        journal.entries.push(`cmd:${spec.argv.join(" ")}`);
        const key = spec.argv.slice(0, 2).join(" ");
        const r = init.commandResults?.[key] ?? init.commandResults?.[spec.argv[0] ?? ""] ?? {};
        const exitCode = r.exitCode ?? 0;
        if (exitCode === 0) writeOutputs(spec);
        return { exitCode, stdout: r.stdout ?? defaultStdout(spec), stderr: r.stderr ?? "" };
      }),
    now: () => {
      clock += 1500;
      return new Date(clock);
    },
    write: (text) => {
      out += text;
      all += text;
    },
    writeError: (text) => {
      err += text;
      all += text;
    },
  };
  return { deps, stack, journal, commands, prompts, out: () => out, err: () => err, all: () => all };
}

export const FAKE_KEY_ID = "a_fake";
export const FAKE_SIGNING_KEY = `ed25519 ${FAKE_KEY_ID} AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n`;

/** What the backup's commands write, as the real ones would: a dump file, tar streams. */
function writeOutputs(spec: CommandSpec): void {
  const [program] = spec.argv;
  if (program === "pg_dump") {
    const file = spec.argv[spec.argv.indexOf("-f") + 1];
    if (file) fs.writeFileSync(file, "PGDMP fake dump");
  }
  if (spec.stdoutFile !== undefined) {
    const isKey = spec.argv.some((a) => a.endsWith(`:${SYNAPSE_PATHS.signingKey}`));
    fs.writeFileSync(spec.stdoutFile, isKey ? oneFileTar("signing.key", FAKE_SIGNING_KEY) : "fake media tar");
  }
}

/** Schema versions from psql, Synapse's version from docker exec (v1.99.0: schema 83). */
function defaultStdout(spec: CommandSpec): string {
  const [program, sub] = spec.argv;
  const sql = spec.argv.at(-1) ?? "";
  if (program === "psql")
    return sql.startsWith("SELECT EXISTS") ? "f\n" : sql.includes("schema_version") ? "83|83\n" : "";
  if (program === "docker" && (sub === "exec" || spec.argv.includes("python3"))) return "1.99.0 83\n";
  if (program === "docker" && sub === "inspect") return "healthy\n";
  return "";
}

/** Runs `fn` on a later tick, as a real asynchronous call would; a throw becomes a rejection. */
async function later<T>(fn: () => T): Promise<T> {
  await Promise.resolve();
  return fn();
}

/** factsFrom for a stack the reset accepts; fails the test when it would refuse. */
export function allowedFacts(
  stack: string,
  cfg: Record<string, ResetConfigValue>,
  outputs: Record<string, ResetOutputValue>,
): ResetFacts {
  const facts = factsFrom(stack, cfg, outputs);
  if (isRefused(facts)) throw new Error(`expected the reset to accept this config: ${facts.permission.detail}`);
  return facts;
}
