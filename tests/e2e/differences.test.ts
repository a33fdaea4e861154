/**
 * The dev-e2e stack is Pulumi.dev.yaml except where differences.ts says why: each listed key
 * really differs, nothing else does, each image replacement is a stand-in of our own for the
 * official image the dev stack names, and each name or port moved so that the tier runs beside
 * a dev stack never collides with it (so the stack under test is still the dev stack).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { DEV_E2E_DIFFERENCES, E2E_PREFIX } from "./differences";
import { DEV_STACK_FILE, devE2eConfig } from "./support/devStack";
import { leaves } from "./support/stackConfig";

describe("dev-e2e differs from Pulumi.dev.yaml only where listed", () => {
  const dev = (parse(fs.readFileSync(DEV_STACK_FILE, "utf8")) as { config: Record<string, unknown> }).config;
  const e2e = devE2eConfig();
  const devLeaves = leaves(dev);

  test("the differences are exactly the listed keys, with the listed values", () => {
    const b = leaves(e2e);
    const found = [...new Set([...devLeaves.keys(), ...b.keys()])]
      .filter((key) => devLeaves.get(key) !== b.get(key))
      .sort();
    assert.deepEqual(found, DEV_E2E_DIFFERENCES.map((d) => d.key).sort());
    for (const d of DEV_E2E_DIFFERENCES) assert.equal(b.get(d.key), JSON.stringify(d.value));
  });

  test("each image difference swaps an official image for a stand-in of our own", () => {
    for (const d of DEV_E2E_DIFFERENCES.filter((d) => d.kind === "stand-in image")) {
      assert.match(d.key, /\.image$/, `${d.key}: a stand-in difference names an image`);
      assert.match(String(d.value), /^eqmd-e2e\//, `${d.key}: stand-ins are tagged under eqmd-e2e/`);
      assert.ok(d.reason.length > 20, `${d.key}: say why`);
    }
  });

  test("each other difference moves a name or port off the dev stack's, and only that", () => {
    for (const d of DEV_E2E_DIFFERENCES.filter((d) => d.kind === "beside a dev stack")) {
      assert.doesNotMatch(d.key, /\.image$/, `${d.key}: images are stand-in differences`);
      assert.match(d.key, /(^containerPrefix|\.name|port|^publicBaseUrl)$/, `${d.key}: only names and ports move`);
      assert.ok(String(d.value).startsWith(E2E_PREFIX) || /\d+\/?$/.test(String(d.value)), `${d.key}: ${d.value}`);
      assert.notEqual(JSON.stringify(d.value), devLeaves.get(d.key), `${d.key} must differ from the dev stack's`);
      assert.ok(d.reason.length > 20, `${d.key}: say why`);
    }
  });
});
