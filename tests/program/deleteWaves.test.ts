/**
 * A reset's destroy pays the Docker provider's 2 s wait once per volume it deletes, and the
 * engine deletes in waves: it groups the condemned resources by depth from the roots (a
 * resource sits one below everything it depends on, its parent included; Pulumi's
 * `ScheduleDeletes`) and waits for each wave to finish before the next. Volumes at different
 * depths pay that wait once per depth, in series: on the real engine Synapse's config and
 * secrets volumes sat three waves below Element's web root (their component waited for the
 * database), which cost a dev reset 2 s of destroy and of Matrix downtime. Every volume the
 * reset deletes must therefore sit at one depth.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProgramRun, RecordedResource, runProgram } from "../support/programHarness";

const MATRIX_STACK = "eqmd:matrix:MatrixStack";

/** Each condemned resource's wave, counted from the roots as the engine counts it. */
function deleteDepths(run: ProgramRun): Map<string, number> {
  const stackUrn = run.resources.find((r) => r.type === MATRIX_STACK)?.urn;
  assert.ok(stackUrn, "no MatrixStack declared");
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const inStack = (r: RecordedResource): boolean =>
    r.urn === stackUrn || (r.parent !== undefined && inStack(byUrn.get(r.parent) as RecordedResource));
  const condemned = new Set(run.resources.filter(inStack).map((r) => r.urn));
  const depth = new Map<string, number>();
  const of = (urn: string): number => {
    const known = depth.get(urn);
    if (known !== undefined) return known;
    const r = byUrn.get(urn) as RecordedResource;
    const on = [...(r.parent ? [r.parent] : []), ...r.options.dependsOn].filter((u) => condemned.has(u));
    const d = on.length === 0 ? 0 : 1 + Math.max(...on.map(of));
    depth.set(urn, d);
    return d;
  };
  for (const urn of condemned) of(urn);
  return depth;
}

/** The volumes a reset's destroy deletes (retained ones are only dropped from the state), by depth. */
function deletedVolumesByDepth(run: ProgramRun): Record<string, number> {
  const depths = deleteDepths(run);
  return Object.fromEntries(
    run.resources
      .filter((r) => r.type === "docker:index/volume:Volume" && depths.has(r.urn) && !r.options.retainOnDelete)
      .map((r) => [r.name, depths.get(r.urn) as number]),
  );
}

const STACKS: Record<string, () => ProgramRun> = {
  dev: () => runProgram("Pulumi.dev.yaml"),
  prod: () =>
    runProgram("Pulumi.prod.yaml", { secrets: { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" } }),
  "dev with workers": () =>
    runProgram("Pulumi.dev.yaml", {
      overrides: { "eqmd-matrix:synapse": { passwordLogin: true, workers: { sync: 1, client: 1 } } },
    }),
};

describe("a reset's destroy deletes every volume in one wave", () => {
  for (const [name, run] of Object.entries(STACKS)) {
    test(`${name}: the deleted volumes share one depth`, () => {
      const volumes = deletedVolumesByDepth(run());
      assert.ok(
        Object.keys(volumes).length >= 2,
        `expected at least two deleted volumes, got ${JSON.stringify(volumes)}`,
      );
      assert.equal(new Set(Object.values(volumes)).size, 1, `volumes at several depths: ${JSON.stringify(volumes)}`);
    });
  }
});
