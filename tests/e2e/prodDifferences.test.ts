/**
 * The prod-e2e stack is Pulumi.prod.yaml except where prodDifferences.ts says why: each listed
 * key really differs, nothing else does, images are stand-ins of our own, and the names and
 * ports that move carry the test's own prefix or a port no other stack here uses.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { REPO_ROOT } from "../contract/support/paths";
import { DEV_E2E_DIFFERENCES } from "./differences";
import { ADOPT_E2E_DIFFERENCES, PE2E_PREFIX, PROD_E2E_DIFFERENCES } from "./prodDifferences";
import { EQMD_SYNAPSE_IMAGE } from "./support/images";
import { differingKeys, leaves, readStackConfig, withDifferences } from "./support/stackConfig";

const PROD_STACK_FILE = path.join(REPO_ROOT, "Pulumi.prod.yaml");

describe("prod-e2e differs from Pulumi.prod.yaml only where listed", () => {
  const prod = readStackConfig(PROD_STACK_FILE);
  const e2e = withDifferences(PROD_STACK_FILE, PROD_E2E_DIFFERENCES);

  test("the differences are exactly the listed keys, with the listed values", () => {
    assert.deepEqual(differingKeys(prod, e2e), PROD_E2E_DIFFERENCES.map((d) => d.key).sort());
    const values = leaves(e2e);
    for (const d of PROD_E2E_DIFFERENCES) {
      const leaf = values.get(d.key);
      assert.equal(leaf, JSON.stringify(d.value), `${d.key} holds the listed value`);
    }
  });

  test("each difference says why; images are stand-ins; names carry the test's prefix", () => {
    for (const d of PROD_E2E_DIFFERENCES) {
      assert.ok(d.reason.length > 30, `${d.key}: say why`);
      if (d.kind === "stand-in image") assert.match(String(d.value), /^eqmd-e2e\//, d.key);
      if (d.kind === "beside other stacks" && typeof d.value === "string" && !/\d$/.test(d.value)) {
        assert.ok(d.value.startsWith(PE2E_PREFIX), `${d.key}: ${d.value}`);
      }
    }
  });

  test("the names and ports never collide with the dev-e2e stack's or a dev stack's", () => {
    const dev = leaves(readStackConfig(path.join(REPO_ROOT, "Pulumi.dev.yaml")));
    const devE2e = new Map(DEV_E2E_DIFFERENCES.map((d) => [d.key, JSON.stringify(d.value)]));
    for (const d of PROD_E2E_DIFFERENCES.filter((d) => d.kind === "beside other stacks")) {
      const mine = JSON.stringify(d.value);
      assert.notEqual(mine, dev.get(d.key), `${d.key} differs from the dev stack's`);
      assert.notEqual(mine, devE2e.get(d.key), `${d.key} differs from the dev-e2e stack's`);
      assert.notEqual(mine, leaves(readStackConfig(PROD_STACK_FILE)).get(d.key), `${d.key} differs from prod's`);
    }
  });

  test("Pulumi.prod.yaml still forbids resets, and prod-e2e keeps that (the test allows it as the README says)", () => {
    assert.equal(leaves(prod).get("reset.allowed"), "false");
    assert.equal(leaves(e2e).get("reset.allowed"), "false");
  });

  test("adopt-e2e is prod-e2e with Synapse at eqmd's pin (the README's adopt-then-upgrade path)", () => {
    const adopt = withDifferences(PROD_STACK_FILE, ADOPT_E2E_DIFFERENCES);
    assert.deepEqual(differingKeys(e2e, adopt), ["synapse.image"]);
    assert.equal(leaves(adopt).get("synapse.image"), JSON.stringify(EQMD_SYNAPSE_IMAGE));
  });
});
