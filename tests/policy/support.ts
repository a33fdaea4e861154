/**
 * Runs a CrossGuard policy the way the policy server does, without the server: builds
 * `ResourceValidationArgs` by hand (a copy of the props, a `notApplicable` that throws) and
 * collects the reported violations. pack.test.ts covers the real server (proxied props,
 * unknown values during preview, policy config).
 */
import type {
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";

/** Stack and project used in the URNs tests build. */
export const TEST_STACK = "dev";
export const TEST_PROJECT = "eqmd-matrix";

/** The MatrixStack component's type token. */
export const MATRIX_STACK_TYPE = "eqmd:matrix:MatrixStack";

/** A resource as a test describes it. */
export interface ResourceSpec {
  /** Type token, e.g. "docker:index/container:Container". */
  readonly type: string;
  /** Logical name; defaults to "test". */
  readonly name?: string;
  /** Inputs (Pulumi names, plain values). */
  readonly props?: Record<string, unknown>;
  /** Type tokens of the parent chain, outermost first (builds the URN when `urn` is unset). */
  readonly parents?: readonly string[];
  /** A full URN, overriding the one built from `parents`. */
  readonly urn?: string;
  /** Resource options; unset ones take the engine's defaults. */
  readonly opts?: Partial<PolicyResourceOptions>;
  /** The policy's config (what `--policy-pack-config` would give it). */
  readonly config?: Record<string, unknown>;
}

/** What a policy reported for one resource. */
export interface PolicyRun {
  /** Violation messages, in order. */
  readonly violations: string[];
  /** The reason given to `args.notApplicable`, when the policy called it. */
  readonly notApplicable?: string;
}

/** `urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>`. */
export function urnFor(type: string, name: string, parents: readonly string[] = []): string {
  return `urn:pulumi:${TEST_STACK}::${TEST_PROJECT}::${[...parents, type].join("$")}::${name}`;
}

/** Thrown by the hand-built `notApplicable`, as the policy server's own is. */
export class NotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(`not applicable: ${reason ?? ""}`);
  }
}

/** The `ResourceValidationArgs` the policy server would build for `spec`. */
export function resourceArgs(spec: ResourceSpec): ResourceValidationArgs {
  const name = spec.name ?? "test";
  const props = structuredClone(spec.props ?? {});
  const urn = spec.urn ?? urnFor(spec.type, name, spec.parents);
  const parentTypes = spec.parents ?? [];
  const defaultParent =
    parentTypes.length > 0
      ? urnFor(parentTypes[parentTypes.length - 1], "parent", parentTypes.slice(0, -1))
      : undefined;
  const opts: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(defaultParent === undefined ? {} : { parent: defaultParent }),
    ...spec.opts,
  };
  const config = { ...(spec.config ?? {}) };
  const isType = (resourceClass: object): boolean => Reflect.get(resourceClass, "__pulumiType") === spec.type;
  const args: ResourceValidationArgs = {
    type: spec.type,
    props,
    urn,
    name,
    opts,
    stackTags: new Map<string, string>(),
    isType,
    // `never` converts to the caller's `Unwrap<TArgs>`: like the server, hand back the raw props.
    asType: (resourceClass) => (isType(resourceClass) ? (props as never) : undefined),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
  return args;
}

/** Runs every `validateResource` of `policy` on `spec`. */
export async function runPolicy(policy: ResourceValidationPolicy, spec: ResourceSpec): Promise<PolicyRun> {
  const violations: string[] = [];
  const report: ReportViolation = (message) => {
    violations.push(message);
  };
  const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
  try {
    for (const validate of validations) {
      await validate(resourceArgs(spec), report);
    }
  } catch (error) {
    if (error instanceof NotApplicable) {
      return { violations, notApplicable: error.reason ?? "" };
    }
    throw error;
  }
  return { violations };
}

/** Shorthand: the violation messages only. */
export async function violationsOf(policy: ResourceValidationPolicy, spec: ResourceSpec): Promise<string[]> {
  return (await runPolicy(policy, spec)).violations;
}

/** Type tokens used across the policy tests. */
export const T = {
  container: "docker:index/container:Container",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  volume: "docker:index/volume:Volume",
  database: "postgresql:index/database:Database",
  role: "postgresql:index/role:Role",
  localCommand: "command:local:Command",
  remoteCommand: "command:remote:Command",
  randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

/** A Container that satisfies every policy; tests override one input at a time. */
export function goodContainer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "eqmd_synapse",
    image: "sha256:" + "ab".repeat(32),
    restart: "unless-stopped",
    healthcheck: { tests: ["CMD-SHELL", "curl -fsS http://localhost:8008/health || exit 1"], interval: "10s" },
    envs: ["SYNAPSE_CONFIG_PATH=/data/homeserver.yaml", "UID=1001", "GID=1001"],
    labels: [{ label: "org.eqmd.component", value: "synapse" }],
    ports: [{ internal: 8008, external: 8008, ip: "127.0.0.1", protocol: "tcp" }],
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "5" },
    ...overrides,
  };
}
