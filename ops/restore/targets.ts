/**
 * What the restore's `pulumi up` replaces: the steps that run after Synapse and depend on what
 * its database holds (the admin token, the verification, the after-reset hooks, the `.env`).
 * A rebuild creates them anew; after a restore the database is another one, so they run again.
 * The OIDC client is not among them: rerunning it could rotate the secret Synapse started with.
 */
import { TYPE } from "../../components/tokens";
import { isRecord } from "../../config/isRecord";

const AFTER_SYNAPSE: ReadonlySet<string> = new Set([
  TYPE.SynapseAdmin,
  TYPE.Verification,
  TYPE.AfterResetHooks,
  TYPE.EnvFileSync,
]);

interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly parent?: string;
}

/** The URNs of every resource (not component) inside one of those components, in state order. */
export function rebuildTargets(deployment: unknown): string[] {
  if (!isRecord(deployment) || !Array.isArray(deployment["resources"])) return [];
  const resources: StateResource[] = (deployment["resources"] as unknown[]).filter(
    (r): r is StateResource => isRecord(r) && typeof r["urn"] === "string" && typeof r["type"] === "string",
  );
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const inside = (r: StateResource): boolean => {
    for (let p = r.parent; p !== undefined; p = byUrn.get(p)?.parent) {
      const type = byUrn.get(p)?.type;
      if (type !== undefined && AFTER_SYNAPSE.has(type)) return true;
    }
    return false;
  };
  return resources.filter((r) => !r.type.startsWith("eqmd:matrix:") && inside(r)).map((r) => r.urn);
}
