/**
 * What a reset's destroy (`pulumi destroy --target <MatrixStack> --target-dependents`) leaves
 * alone. The Docker provider spends at least 2 s on every volume it deletes, and the engine
 * deletes in waves, each waiting for its slowest member: on the real engine the three volumes
 * a dev reset deleted were its slowest wave, 2 s of destroy and of Matrix downtime. Their
 * content is rewritten whole by jobs inside MatrixStack, so they live outside it, in
 * MatrixAssets, with the images (kept locally anyway). This checks, under mocks, the set the
 * engine condemns: MatrixStack, everything below it, and everything that depends on one of
 * those (through its parent or its dependencies, explicit or through an input).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProgramRun, RecordedResource, runProgram } from "../support/programHarness";

const MATRIX_STACK = "eqmd:matrix:MatrixStack";
const MATRIX_ASSETS = "eqmd:matrix:MatrixAssets";
const VOLUME = "docker:index/volume:Volume";
const IMAGE = "docker:index/remoteImage:RemoteImage";

/** The URNs the reset's destroy deletes. */
function condemned(run: ProgramRun): Set<string> {
  const stackUrn = run.resources.find((r) => r.type === MATRIX_STACK)?.urn;
  assert.ok(stackUrn, "no MatrixStack declared");
  const set = new Set([stackUrn]);
  const waitsOn = (r: RecordedResource) => [...(r.parent ? [r.parent] : []), ...r.options.dependsOn];
  for (let grew = true; grew;) {
    grew = false;
    for (const r of run.resources) {
      if (!set.has(r.urn) && waitsOn(r).some((u) => set.has(u))) {
        set.add(r.urn);
        grew = true;
      }
    }
  }
  return set;
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

/** Each kept resource, and the component it lived in inside MatrixStack before it moved. */
const KEPT: Record<string, { type: string; formerly: string }> = {
  "matrix-synapse-image": { type: IMAGE, formerly: "eqmd:matrix:Synapse" },
  "matrix-synapse-config": { type: VOLUME, formerly: "eqmd:matrix:Synapse" },
  "matrix-synapse-secrets": { type: VOLUME, formerly: "eqmd:matrix:Synapse" },
  "matrix-element-image": { type: IMAGE, formerly: "eqmd:matrix:ElementWeb" },
  "matrix-element-web-root": { type: VOLUME, formerly: "eqmd:matrix:ElementWeb" },
};
const KEPT_WITH_WORKERS: typeof KEPT = {
  ...KEPT,
  "matrix-redis-image": { type: IMAGE, formerly: "eqmd:matrix:Redis" },
  "matrix-redis-secrets": { type: VOLUME, formerly: "eqmd:matrix:Redis" },
  "matrix-router-image": { type: IMAGE, formerly: "eqmd:matrix:WorkerRouter" },
};

describe("a reset deletes no volume and no image", () => {
  for (const [name, evaluate] of Object.entries(STACKS)) {
    let recorded: ProgramRun | undefined;
    const run = () => (recorded ??= evaluate());
    test(`${name}: the destroy's set holds no volume it would delete and no image`, () => {
      const r = run();
      const gone = condemned(r);
      const deleted = r.resources
        .filter((x) => gone.has(x.urn))
        .filter((x) => x.type === IMAGE || (x.type === VOLUME && !x.options.retainOnDelete))
        .map((x) => x.name);
      assert.deepEqual(deleted, []);
      // The rest of the destroy still happens: Synapse and its database go.
      const synapse = r.resources.find((x) => x.name === "matrix-synapse-container");
      const database = r.resources.find((x) => x.name === "matrix-database-database");
      assert.ok(synapse && gone.has(synapse.urn) && database && gone.has(database.urn));
    });

    test(`${name}: MatrixAssets is top level and holds exactly the images and the rewritten volumes`, () => {
      const r = run();
      const assets = r.one(MATRIX_ASSETS);
      assert.match(assets.parent ?? "", /^$|::pulumi:pulumi:Stack::/);
      const expected = name === "dev with workers" ? KEPT_WITH_WORKERS : KEPT;
      const children = r.resources.filter((x) => x.parent === assets.urn);
      assert.deepEqual(children.map((x) => x.name).sort(), Object.keys(expected).sort());
      for (const c of children) assert.equal(c.type, expected[c.name]?.type, c.name);
    });

    test(`${name}: each moved resource has its URN inside MatrixStack as an alias (an upgrade moves it, no step)`, () => {
      const r = run();
      const stack = r.one(MATRIX_STACK);
      const prefix = stack.urn.slice(0, stack.urn.lastIndexOf("::") + 2).replace(/eqmd:matrix:MatrixStack::$/, "");
      for (const c of r.resources.filter((x) => x.parent === r.one(MATRIX_ASSETS).urn)) {
        const was = KEPT_WITH_WORKERS[c.name];
        assert.ok(was, c.name);
        assert.deepEqual(c.options.aliases, [`${prefix}${MATRIX_STACK}$${was.formerly}$${was.type}::${c.name}`]);
      }
    });
  }
});
