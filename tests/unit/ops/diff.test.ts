/**
 * `npm run diff`'s reading of the engine's preview steps: the line diff of each changed file,
 * `[secret]` for a masked `uploads` (never a value), the resources touched, "no changes".
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileChanges, MASKED, PreviewStep, resourceChanges } from "../../../ops/diff/changes";
import { report } from "../../../ops/diff/report";

const CONTAINER = "docker:index/container:Container";
const urn = (name: string) =>
  `urn:pulumi:dev::eqmd-matrix::eqmd:matrix:MatrixStack$eqmd:matrix:Synapse$${CONTAINER}::${name}`;

/** A 61-key homeserver.yaml, as the issue measured, with one key changed. */
const yaml = (cpMax: number) =>
  Array.from({ length: 61 }, (_, i) => (i === 30 ? `cp_max: ${cpMax}` : `key_${i}: value ${i}`)).join("\n") + "\n";

const job = (op: string, before: string, after: string): PreviewStep => ({
  op,
  urn: urn("matrix-synapse-config-writer"),
  type: CONTAINER,
  old: {
    inputs: { name: "eqmd_matrix_config_init", uploads: [{ file: "/data/config/homeserver.yaml", content: before }] },
  },
  new: {
    inputs: { name: "eqmd_matrix_config_init", uploads: [{ file: "/data/config/homeserver.yaml", content: after }] },
  },
  diffs: ["uploads"],
});

describe("npm run diff", () => {
  test("a one-key change of homeserver.yaml is one short hunk naming the old and new value", () => {
    const steps = [
      job("replace", yaml(10), yaml(20)),
      { op: "replace", urn: urn("matrix-synapse-container"), type: CONTAINER, diffs: ["labels"] },
      { op: "same", urn: urn("matrix-synapse-media"), type: "docker:index/volume:Volume" },
    ];
    const text = report(
      steps.flatMap((s) => fileChanges(s)),
      resourceChanges(steps),
    );
    assert.match(text, /^-cp_max: 10$/m);
    assert.match(text, /^\+cp_max: 20$/m);
    assert.doesNotMatch(text, /key_10:|key_50:/, "only three lines of context");
    assert.match(text, /resources: 2 to replace\n {2}replace matrix-synapse-config-writer/);
    const lines = text.trimEnd().split("\n").length;
    assert.ok(lines <= 40, `${lines} lines:\n${text}`);
  });

  // The masked uploads as the real engine's preview event carried it for a new oidcClientSecret
  // (tests/e2e/prod.test.ts), and the bare form.
  const ENVELOPE = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: MASKED };
  for (const [form, masked] of [
    ["the engine's secret envelope", ENVELOPE],
    ["the bare string", MASKED],
  ] as const)
    test(`a masked uploads property (${form}) shows as [secret], never a value, and only when it changed`, () => {
      const secretStep = (diffs: string[]): PreviewStep => ({
        op: "replace",
        urn: urn("matrix-synapse-secrets-writer"),
        type: CONTAINER,
        old: { inputs: { name: "eqmd_matrix_secrets_init", uploads: masked } },
        new: { inputs: { name: "eqmd_matrix_secrets_init", uploads: masked } },
        diffs,
      });
      assert.deepEqual(fileChanges(secretStep(["uploads"])), [
        { kind: "secret", resource: "eqmd_matrix_secrets_init" },
      ]);
      const newImage = (step: PreviewStep): PreviewStep => ({
        ...step,
        new: { inputs: { ...step.new?.inputs, image: "sha256:new" } },
      });
      assert.deepEqual(
        fileChanges(newImage(secretStep(["image"]))),
        [],
        "replaced for a new image: its files did not change",
      );
      assert.deepEqual(fileChanges(secretStep([])), [], "a step that names no property says nothing of the files");
      // Seen on the real engine: a replace step names what forces it in `keys`, not `diffs`.
      assert.deepEqual(fileChanges({ ...secretStep([]), keys: ["uploads"] }), [
        { kind: "secret", resource: "eqmd_matrix_secrets_init" },
      ]);
      assert.deepEqual(fileChanges({ ...secretStep([]), detailedDiff: { "uploads[2].content": { kind: "update" } } }), [
        { kind: "secret", resource: "eqmd_matrix_secrets_init" },
      ]);
      const text = report(fileChanges(secretStep(["uploads"])), resourceChanges([secretStep(["uploads"])]));
      assert.match(
        text,
        /^\[secret\] eqmd_matrix_secrets_init: its secret files change \(contents are never shown\)$/m,
      );
    });

  test("added and removed files are counted, not printed whole", () => {
    const step: PreviewStep = {
      op: "replace",
      urn: urn("matrix-element-config-writer"),
      type: CONTAINER,
      old: { inputs: { name: "e", uploads: [{ file: "/app/custom.css", content: "a {}\nb {}\n" }] } },
      new: { inputs: { name: "e", uploads: [{ file: "/app/config.json", content: "{}\n" }] } },
    };
    assert.deepEqual(fileChanges(step), [
      { kind: "added", resource: "e", path: "/app/config.json", lines: 1 },
      { kind: "removed", resource: "e", path: "/app/custom.css", lines: 2 },
    ]);
  });

  test("nothing to do: exactly 'no changes'", () => {
    const steps = [job("same", yaml(10), yaml(10))];
    assert.equal(
      report(
        steps.flatMap((s) => fileChanges(s)),
        resourceChanges(steps),
      ),
      "no changes\n",
    );
  });
});
