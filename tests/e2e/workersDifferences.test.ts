/**
 * The workers stack is dev-e2e's config except where workersDifferences.ts says why: each
 * listed key really differs and nothing else does; images are stand-ins of our own; names and
 * ports are its own, off dev-e2e's (so the two run side by side).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { devE2eConfig, workersE2eConfig } from "./support/devStack";
import { differingKeys, leaves } from "./support/stackConfig";
import { WORKERS_E2E_DIFFERENCES } from "./workersDifferences";

describe("dev-workers-e2e differs from dev-e2e only where listed", () => {
  test("the differences are exactly the listed keys, with the listed values", () => {
    const workers = workersE2eConfig();
    const found = differingKeys(devE2eConfig(), workers).map((k) =>
      k.replace(/^(synapse\.(workers|metrics))\..*$/, "$1"),
    );
    assert.deepEqual([...new Set(found)].sort(), WORKERS_E2E_DIFFERENCES.map((d) => d.key).sort());
    const values = leaves(workers);
    for (const d of WORKERS_E2E_DIFFERENCES.filter((d) => typeof d.value !== "object")) {
      assert.equal(values.get(d.key), JSON.stringify(d.value), d.key);
    }
  });

  test("each stand-in is ours, each moved name or port is off dev-e2e's", () => {
    const base = leaves(devE2eConfig());
    for (const d of WORKERS_E2E_DIFFERENCES) {
      assert.ok(d.reason.length > 10, `${d.key}: say why`);
      if (d.kind === "stand-in image") assert.match(String(d.value), /^eqmd-e2e\//);
      if (d.kind === "beside a dev stack") assert.notEqual(JSON.stringify(d.value), base.get(d.key), d.key);
    }
  });
});
