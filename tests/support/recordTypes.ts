/** Shapes shared by the program recorder (child) and the harness (parent). */

export interface RecordRequest {
  /** Stack config file relative to the repo root, e.g. "Pulumi.prod.yaml". */
  readonly stackFile: string;
  readonly stack: string;
  /** "<namespace>:<key>" → value; null removes the key. */
  readonly overrides?: Record<string, unknown>;
  /** "<namespace>:<key>" → secret value. */
  readonly secrets?: Record<string, string>;
  /**
   * Command resource name → the stdout its real run printed (contract tests): the program then
   * declares what it would declare after that command ran, e.g. Synapse's files with the real
   * OIDC client secret.
   */
  readonly commandStdout?: Record<string, string>;
}

export interface RecordedOptions {
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  /** URNs this resource waits for (explicit dependsOn and implicit input dependencies). */
  readonly dependsOn: string[];
  readonly additionalSecretOutputs: string[];
  readonly replaceOnChanges: string[];
  /** URNs whose replacement replaces this resource too. */
  readonly replaceWith: string[];
  readonly ignoreChanges: string[];
  /** Former URNs (aliases given as URNs); absent when there are none. */
  readonly aliases?: string[];
}

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** false for components. */
  readonly custom: boolean;
  readonly parent?: string;
  readonly provider?: string;
  /** Inputs as registered, secrets unwrapped to their values. */
  readonly inputs: Record<string, unknown>;
  /** Paths (e.g. "uploads[2].content") of inputs that were registered as secrets. */
  readonly secretPaths: string[];
  readonly options: RecordedOptions;
}

export interface RecordResult {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, { value: unknown; secret: boolean }>;
  /** Set when the program threw (e.g. a ConfigError). */
  readonly error?: string;
}
