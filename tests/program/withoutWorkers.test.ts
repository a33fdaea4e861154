/**
 * `synapse.workers` is opt-in: without it the program declares exactly what it declared before
 * workers existed. The snapshot in tests/golden/program/<env>.json was recorded from the
 * program before the workers change (every resource under mocks: type, name, parent, inputs
 * with their secret paths, options) and is compared byte for byte. After an intended change to
 * the single-process program, rerun with UPDATE_GOLDEN=1 and review the diff; `git log` of
 * tests/golden/program says what each re-recording changed (dependsOn, for the reset's delete
 * waves; then the images and the rewritten volumes moved to MatrixAssets, with aliases, and
 * every input stayed the same; then Synapse's `wait` and the admin bootstrap's poll, for the
 * readiness seen sooner, and the container state those steps report when they fail).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runProgram } from "../support/programHarness";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const DIR = path.resolve(__dirname, "..", "golden", "program");

const STACKS: Record<string, () => ReturnType<typeof runProgram>> = {
  dev: () => runProgram("Pulumi.dev.yaml"),
  prod: () =>
    runProgram("Pulumi.prod.yaml", { secrets: { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" } }),
};

/** The declaration as JSON, one resource per entry, stable key order. */
function snapshot(run: ReturnType<typeof runProgram>): string {
  return JSON.stringify({ resources: run.resources, outputs: run.outputs }, null, 1) + "\n";
}

describe("without synapse.workers the declared program is unchanged", () => {
  for (const [env, run] of Object.entries(STACKS)) {
    test(`${env}: every resource and output is byte-identical to tests/golden/program/${env}.json`, () => {
      const file = path.join(DIR, `${env}.json`);
      const actual = snapshot(run());
      if (UPDATE) {
        fs.mkdirSync(DIR, { recursive: true });
        fs.writeFileSync(file, actual);
      }
      assert.ok(fs.existsSync(file), `missing ${file}: run with UPDATE_GOLDEN=1 to create it`);
      const expected = fs.readFileSync(file, "utf8");
      if (actual !== expected) {
        const a = JSON.parse(actual) as { resources: { urn: string }[] };
        const e = JSON.parse(expected) as { resources: { urn: string }[] };
        const eByUrn = new Map(e.resources.map((r) => [r.urn, JSON.stringify(r)]));
        const differing = a.resources.filter((r) => eByUrn.get(r.urn) !== JSON.stringify(r)).map((r) => r.urn);
        const missing = [...eByUrn.keys()].filter((u) => !a.resources.some((r) => r.urn === u));
        assert.fail(
          `declaration changed: differing ${differing.join(", ") || "none"}; missing ${missing.join(", ") || "none"}`,
        );
      }
    });
  }
});
