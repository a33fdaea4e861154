/**
 * The reset's plan read from the stack's state instead of a `pulumi destroy --preview-only`
 * run: the same set of resources, seconds sooner (no engine, no provider plugins; the state
 * was already exported to read the stack's facts).
 *
 * What `pulumi destroy --target <urn> --target-dependents` deletes, as the engine decides it:
 * the target, every resource below it in the parent tree (targeting a component targets its
 * children), and, transitively, every resource that depends on one of those: through its
 * parent, `dependencies`, `propertyDependencies`, `deletedWith` or its provider reference.
 * The e2e dev test compares this set with the engine's own destroy preview on the real stack.
 *
 * Not "enough" (undefined: the caller runs the engine's preview instead) when the state holds
 * pending operations from an interrupted run or old copies awaiting deletion (the engine has
 * its own rules for those), or does not have the target at all.
 */
import { isRecord } from "../../config/isRecord";
import type { DestroyStep, PlanResult } from "./plan";

interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly parent?: string;
  readonly dependencies: readonly string[];
  readonly provider?: string;
  readonly deletedWith?: string;
  readonly protect: boolean;
}

/** Thrown when the destroy would fail: a resource it must delete is `protect`ed. */
export class ProtectedResourceError extends Error {
  constructor(readonly urns: readonly string[]) {
    super(
      `the destroy would fail: ${urns.join(", ")} ${urns.length === 1 ? "is" : "are"} protected` +
        " (unprotect with `pulumi state unprotect <urn>`, or remove `protect` from the program)",
    );
    this.name = "ProtectedResourceError";
  }
}

/** The resources the targeted destroy deletes, in the order it deletes them (dependents first). */
export function planFromState(deployment: unknown, urn: string): PlanResult | undefined {
  if (!isRecord(deployment) || !Array.isArray(deployment["resources"])) return undefined;
  const pending = deployment["pending_operations"];
  if (Array.isArray(pending) && pending.length > 0) return undefined;
  const raw = deployment["resources"] as unknown[];
  if (raw.some((r) => isRecord(r) && r["delete"] === true)) return undefined;
  const resources = raw.map(stateResource).filter((r) => r !== undefined);
  if (!resources.some((r) => r.urn === urn)) return undefined;

  const deleted = new Set<string>([urn]);
  // The state is in dependency order (a resource after everything it depends on), so one pass
  // in that order finds every dependent; repeat until stable in case a state is not.
  for (let changed = true; changed;) {
    changed = false;
    for (const r of resources) {
      if (deleted.has(r.urn)) continue;
      if (references(r).some((u) => deleted.has(u))) {
        deleted.add(r.urn);
        changed = true;
      }
    }
  }
  const steps = resources.filter((r) => deleted.has(r.urn));
  const protectedUrns = steps.filter((r) => r.protect).map((r) => r.urn);
  if (protectedUrns.length > 0) throw new ProtectedResourceError(protectedUrns);
  const deletes: DestroyStep[] = steps.reverse().map((r) => ({ urn: r.urn, type: r.type }));
  return { deletes, changeSummary: { delete: deletes.length } };
}

/** Every URN a resource depends on, in any of the ways the engine follows. */
function references(r: StateResource): string[] {
  const refs = [...r.dependencies];
  if (r.parent !== undefined) refs.push(r.parent);
  if (r.deletedWith !== undefined) refs.push(r.deletedWith);
  // A provider reference is "<provider urn>::<provider id>".
  if (r.provider !== undefined) refs.push(r.provider.slice(0, r.provider.lastIndexOf("::")));
  return refs;
}

function stateResource(raw: unknown): StateResource | undefined {
  if (!isRecord(raw) || typeof raw["urn"] !== "string" || typeof raw["type"] !== "string") return undefined;
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  const urns = (v: unknown): string[] => (Array.isArray(v) ? v.filter((u): u is string => typeof u === "string") : []);
  const propertyDependencies = isRecord(raw["propertyDependencies"])
    ? Object.values(raw["propertyDependencies"]).flatMap(urns)
    : [];
  const parent = str(raw["parent"]);
  const provider = str(raw["provider"]);
  const deletedWith = str(raw["deletedWith"]);
  return {
    urn: raw["urn"],
    type: raw["type"],
    ...(parent !== undefined ? { parent } : {}),
    ...(provider !== undefined ? { provider } : {}),
    ...(deletedWith !== undefined ? { deletedWith } : {}),
    dependencies: [...urns(raw["dependencies"]), ...propertyDependencies],
    protect: raw["protect"] === true,
  };
}
