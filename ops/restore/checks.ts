/**
 * The refusals a restore makes before it changes anything: a backup that fails its checksums
 * (manifest.ts), another server name than the stack's, a schema newer than the stack's Synapse
 * can run. Pure: the caller gathers the facts.
 */
import { Manifest } from "../backup/manifest";

export interface TargetSynapse {
  /** The stack image's Synapse version. */
  readonly version: string;
  /** The SCHEMA_VERSION its code runs. */
  readonly schemaVersion: number;
}

/** What stops this backup from being restored onto this stack; empty = go on. */
export function refusals(
  manifest: Manifest,
  stack: { serverName: string; image: string },
  target: TargetSynapse,
): string[] {
  const found: string[] = [];
  if (manifest.serverName !== stack.serverName) {
    found.push(
      `the backup is of server "${manifest.serverName}", the stack serves "${stack.serverName}" (matrixFqdn):` +
        " Synapse refuses a database of another server_name (every user id carries it)." +
        ` Restore it onto a stack whose matrixFqdn is ${manifest.serverName}.`,
    );
  }
  if (manifest.synapse.compatVersion > target.schemaVersion) {
    found.push(
      `the backup's database needs a Synapse that runs schema ${manifest.synapse.compatVersion} or newer` +
        ` (it was taken from Synapse ${manifest.synapse.version}, schema ${manifest.synapse.schemaVersion});` +
        ` the stack's image ${stack.image} is Synapse ${target.version}, schema ${target.schemaVersion}.` +
        ` Set synapse.image to ${manifest.synapse.image} or newer (pulumi config set --path synapse.image …), then restore.`,
    );
  }
  return found;
}

/** "1.99.0 83" (what the version command prints) → the target; undefined when unreadable. */
export function parseTarget(stdout: string): TargetSynapse | undefined {
  const [version, schema] = stdout.trim().split(/\s+/);
  const schemaVersion = Number(schema);
  return version && Number.isInteger(schemaVersion) ? { version, schemaVersion } : undefined;
}
