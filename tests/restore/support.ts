/** A real backup folder (written by takeBackup against the reset's fakes) and restore deps around the fakes. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { takeBackup } from "../../ops/backup/run";
import { RestoreDeps, RestoreOptions } from "../../ops/restore/run";
import { allowedFacts, config, defaultOutputs, FakeDepsInit, FakeStackInit, STACK, URN, world } from "../reset/fakes";

/** Writes a backup of the default dev stack into a new temporary folder; returns its path. */
export async function fakeBackup(over: Record<string, unknown> = {}): Promise<string> {
  const to = fs.mkdtempSync(path.join(os.tmpdir(), "restore-backup-"));
  const facts = allowedFacts(STACK, config(over), defaultOutputs());
  const r = await takeBackup(
    world().deps,
    facts,
    { to, program: { name: "eqmd-matrix", version: "0.1.0" }, progressIntervalMs: 0 },
    () => {},
  );
  if (!r.ok) throw new Error(r.message);
  return r.dir;
}

const comp = (type: string, name: string, parent?: string) => ({
  urn: `urn:pulumi:dev::eqmd-matrix::${type}::${name}`,
  type,
  ...(parent ? { parent } : {}),
});

/** A state with one command under each component a restore reruns, and some it must not. */
export function fakeDeployment(): { resources: unknown[]; rerun: string[] } {
  const stack = { urn: URN, type: "eqmd:matrix:MatrixStack" };
  const admin = comp("eqmd:matrix:SynapseAdmin", "matrix-admin", URN);
  const verification = comp("eqmd:matrix:Verification", "matrix-verification", URN);
  const oidc = comp("eqmd:matrix:OidcClient", "matrix-oidc-client", URN);
  const synapse = comp("eqmd:matrix:Synapse", "matrix-synapse", URN);
  const bootstrap = comp("command:local:Command", "matrix-admin-bootstrap", admin.urn);
  const check = comp("command:local:Command", "matrix-verification-check", verification.urn);
  const oidcSetup = comp("command:local:Command", "matrix-oidc-client-setup", oidc.urn);
  const container = comp("docker:index/container:Container", "matrix-synapse-container", synapse.urn);
  return {
    resources: [stack, admin, verification, oidc, synapse, bootstrap, check, oidcSetup, container],
    rerun: [bootstrap.urn, check.urn],
  };
}

export interface RestoreWorld extends ReturnType<typeof world> {
  readonly restoreDeps: RestoreDeps;
  /** The argv of every command, joined, in order. */
  lines(): string[];
}

export function restoreWorld(
  stackInit: FakeStackInit = {},
  init: FakeDepsInit & { interruptAfter?: RegExp } = {},
): RestoreWorld {
  const w = world({ deployment: { resources: fakeDeployment().resources }, ...stackInit }, init);
  let interrupted = false;
  const restoreDeps: RestoreDeps = {
    ...w.deps,
    runCommand: async (spec) => {
      const r = await w.deps.runCommand(spec);
      if (init.interruptAfter?.test(spec.argv.join(" "))) interrupted = true;
      return r;
    },
    interrupted: () => interrupted,
    sleep: () => Promise.resolve(),
  };
  return { ...w, restoreDeps, lines: () => w.commands.map((c) => c.argv.join(" ")) };
}

export const restoreOptions = (from: string, over: Partial<RestoreOptions> = {}): RestoreOptions => ({
  stack: STACK,
  from,
  yes: true,
  ...over,
});
