/**
 * `npm run adopt` imports into the URNs the program declares. Every entry of its table
 * (ops/adopt/declared.ts) must be a resource the real program registers, with the same
 * type, logical name, parent chain and provider, or the preview after the import would plan a
 * delete of the imported object and a create of the declared one.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { DECLARED, DeclaredResource, declaredUrn, PROVIDERS, qualifiedType } from "../../ops/adopt/declared";
import { ProgramRun, RecordedResource, runProgram } from "../support/programHarness";

let prod: ProgramRun;

before(() => {
  prod = runProgram("Pulumi.prod.yaml", { secrets: { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" } });
});

const recorded = (d: DeclaredResource): RecordedResource => {
  const found = prod.resources.filter((r) => r.type === d.type && r.name === d.name);
  assert.equal(found.length, 1, `the program registers one ${d.type} named ${d.name}`);
  return found[0];
};

/** Types from the top-level ancestor down (the mock URNs carry only the last parent type). */
const chain = (r: RecordedResource): string[] => {
  const parent = prod.resources.find((x) => x.urn === r.parent);
  return parent ? [...chain(parent), r.type] : [r.type];
};

describe("the adopt's table of declared resources", () => {
  for (const d of Object.values(DECLARED) as DeclaredResource[]) {
    test(`${d.key}: ${d.type} "${d.name}"`, () => {
      const r = recorded(d);
      assert.equal(r.custom, !d.component);
      const parent = prod.resources.find((x) => x.urn === r.parent);
      if (d.parent === undefined) {
        assert.ok(!parent, `${d.name} is top level`);
      } else {
        const want = (DECLARED as Record<string, DeclaredResource>)[d.parent];
        assert.equal(parent?.type, want?.type, `parent type of ${d.name}`);
        assert.equal(parent?.name, want?.name, `parent name of ${d.name}`);
      }
      assert.equal(qualifiedType(d.key), chain(r).join("$"), "the URN's type part");
      assert.equal(declaredUrn("prod", d.key), `urn:pulumi:prod::eqmd-matrix::${chain(r).join("$")}::${r.name}`);
      if (d.provider !== undefined) {
        const p = PROVIDERS[d.provider];
        assert.match(
          r.provider ?? "",
          new RegExp(`::${p.type}::${p.name}::`),
          `${d.name} uses the explicit ${p.name} provider`,
        );
      }
    });
  }

  test("the explicit providers are top-level resources of index.ts with those names", () => {
    for (const p of Object.values(PROVIDERS)) {
      const found = prod.resources.filter((r) => r.type === p.type && r.name === p.name);
      assert.equal(found.length, 1, `${p.type} ${p.name}`);
    }
  });

  test("an adopted media volume keeps compose's labels: label changes never replace it", () => {
    const volume = recorded(DECLARED.mediaVolume);
    assert.deepEqual(volume.options.ignoreChanges, ["labels"]);
    assert.equal(volume.options.retainOnDelete, true);
  });
});
