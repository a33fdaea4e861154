/**
 * Pure: the `pulumi import` request that puts the found objects into the state under the
 * URNs the program declares. Parents the state lacks (the components) are imported as
 * components; parents and providers it has are referenced through the name table.
 */
import type { ImportResource } from "@pulumi/pulumi/automation";
import { ancestors, DECLARED, declaredUrn, ProviderKey, providerUrn } from "./declared";
import { HostObjects } from "./types";

/** The declared resources that stand for objects on the host (the rest are their parents). */
export type ImportableKey = "role" | "database" | "mediaVolume" | "synapseContainer" | "elementContainer";

/** Those whose loss would lose data: the first `up` may update them in place, never replace them. */
export const KEPT_KEYS: readonly ImportableKey[] = ["role", "database", "mediaVolume"];

export interface ImportStep {
  readonly key: ImportableKey;
  readonly type: string;
  readonly urn: string;
  /** The provider's import id: role and database names, the volume name, the container id. */
  readonly id: string;
  /** What the operator knows it by (name of the object on the host). */
  readonly label: string;
}

export interface ImportPlan {
  /** Objects found on the host that the state does not hold yet. */
  readonly steps: readonly ImportStep[];
  /** Found objects the state already holds (an earlier adopt or `up`): left as they are. */
  readonly alreadyManaged: readonly ImportStep[];
  readonly resources: ImportResource[];
  readonly nameTable: Record<string, string>;
  /** Providers the import needs; they must be in the state first. */
  readonly providers: readonly ProviderKey[];
}

/** Found object → the declared resource it becomes, with its import id. */
function candidates(stack: string, found: HostObjects): ImportStep[] {
  const step = (key: ImportableKey, id: string, label: string): ImportStep => ({
    key,
    type: DECLARED[key].type,
    urn: declaredUrn(stack, key),
    id,
    label,
  });
  const list: ImportStep[] = [];
  if (found.role) list.push(step("role", found.role.name, `role ${found.role.name}`));
  if (found.database) list.push(step("database", found.database.name, `database ${found.database.name}`));
  if (found.volume) list.push(step("mediaVolume", found.volume.name, `volume ${found.volume.name}`));
  if (found.synapseContainer) {
    const c = found.synapseContainer;
    list.push(step("synapseContainer", c.id, `container ${c.name}`));
  }
  if (found.elementContainer) {
    const c = found.elementContainer;
    list.push(step("elementContainer", c.id, `container ${c.name}`));
  }
  return list;
}

export function importPlan(stack: string, found: HostObjects, stateUrns: ReadonlySet<string>): ImportPlan {
  const all = candidates(stack, found);
  const steps = all.filter((s) => !stateUrns.has(s.urn));
  const alreadyManaged = all.filter((s) => stateUrns.has(s.urn));
  const resources: ImportResource[] = [];
  const nameTable: Record<string, string> = {};
  const providers = new Set<ProviderKey>();
  const added = new Set<string>();

  for (const s of steps) {
    // Parents first (outermost first), so the import file reads top-down.
    for (const parent of ancestors(s.key).reverse()) {
      if (added.has(parent.key) || parent.key in nameTable) continue;
      const urn = declaredUrn(stack, parent.key);
      if (stateUrns.has(urn)) {
        nameTable[parent.key] = urn;
      } else {
        resources.push({
          type: parent.type,
          name: parent.key,
          logicalName: parent.name,
          component: true,
          ...(parent.parent !== undefined ? { parent: parent.parent } : {}),
        });
        added.add(parent.key);
      }
    }
    const d = DECLARED[s.key];
    const provider: ProviderKey = d.provider;
    providers.add(provider);
    nameTable[provider] = providerUrn(stack, provider);
    resources.push({ type: d.type, name: d.key, logicalName: d.name, id: s.id, parent: d.parent, provider });
    added.add(s.key);
  }
  return { steps, alreadyManaged, resources, nameTable, providers: [...providers] };
}

/** The URNs in an exported deployment (`{ resources: [{ urn }] }`). */
export function stateUrns(deployment: unknown): Set<string> {
  const resources = (deployment as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources)) return new Set();
  return new Set(
    resources.map((r) => (r as { urn?: unknown } | null)?.urn).filter((u): u is string => typeof u === "string"),
  );
}
