import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { describeDestroyed, describeKept, destroyOptions, nameFromUrn, previewDestroy } from "../../ops/reset/plan";
import { ResetStack } from "../../ops/reset/types";
import { allowedFacts, config, defaultOutputs, URN, world } from "./fakes";

const facts = (cfg: Record<string, unknown> = {}) => allowedFacts("dev", config(cfg), defaultOutputs());
const volumeUrn =
  "urn:pulumi:dev::eqmd-matrix::eqmd:matrix:MatrixStack$eqmd:matrix:Synapse$docker:index/volume:Volume::eqmd_matrix_media_store";

describe("plan", () => {
  it("destroyOptions is exactly target [urn] + targetDependents + onOutput", () => {
    const onOutput = (): void => undefined;
    assert.deepEqual(destroyOptions(URN, onOutput), { target: [URN], targetDependents: true, onOutput });
  });

  it("nameFromUrn takes the last segment", () => {
    assert.equal(nameFromUrn(volumeUrn), "eqmd_matrix_media_store");
    assert.equal(nameFromUrn("plain"), "plain");
  });

  it("previewDestroy collects delete events once each and ignores other ops", async () => {
    const ev = (op: string, urn: string) => ({ resourcePreEvent: { metadata: { op, urn, type: "t" } } });
    const w = world({
      previewEvents: [ev("delete", "a::x"), ev("same", "a::y"), ev("delete", "a::x"), ev("delete-replaced", "a::z")],
    });
    const plan = await previewDestroy(w.deps.stack, URN, () => undefined);
    assert.deepEqual(
      plan.deletes.map((d) => d.urn),
      ["a::x", "a::z"],
    );
  });

  it("prints the preview's stdout when it was not streamed", async () => {
    let printed = "";
    const stack: ResetStack = {
      name: "dev",
      getAllConfig: () => Promise.resolve({}),
      outputs: () => Promise.resolve({}),
      previewDestroy: () =>
        Promise.resolve({
          stdout: "- docker:index/container:Container eqmd_matrix_synapse delete",
          changeSummary: { delete: 7 },
        }),
      destroy: () => Promise.reject(new Error("not in a preview")),
      up: () => Promise.reject(new Error("not in a preview")),
    };
    const plan = await previewDestroy(stack, URN, (t) => (printed += t));
    assert.equal(printed, "- docker:index/container:Container eqmd_matrix_synapse delete\n");
    const lines = describeDestroyed(plan, facts()).join("\n");
    assert.match(lines, /Will be destroyed \(7 resources\)/);
    assert.match(lines, /preview: delete: 7/);
  });

  it("marks the retained media volume in the destroy list", () => {
    const lines = describeDestroyed(
      { deletes: [{ urn: volumeUrn, type: "docker:index/volume:Volume" }], changeSummary: {} },
      facts(),
    );
    assert.match(lines.join("\n"), /eqmd_matrix_media_store {2}\(only leaves Pulumi's state/);
    const notRetained = describeDestroyed(
      { deletes: [{ urn: volumeUrn, type: "docker:index/volume:Volume" }], changeSummary: {} },
      facts({ media: { retainOnDelete: false } }),
    ).join("\n");
    assert.doesNotMatch(notRetained, /only leaves Pulumi's state/);
    assert.match(notRetained, /media volume "eqmd_matrix_media_store" too/);
  });

  it("marks the log volume as retained whatever media.retainOnDelete says", () => {
    const logsUrn = volumeUrn.replace(/::eqmd_matrix_media_store$/, "::matrix-synapse-logs");
    for (const media of [true, false]) {
      const lines = describeDestroyed(
        { deletes: [{ urn: logsUrn, type: "docker:index/volume:Volume" }], changeSummary: {} },
        facts({ media: { retainOnDelete: media } }),
      ).join("\n");
      assert.match(lines, /matrix-synapse-logs {2}\(only leaves Pulumi's state/);
    }
  });

  it("kept: Django database, PostgreSQL server, media unless --wipe-media", () => {
    const keep = describeKept(facts(), { stack: "dev", wipeMedia: false, yes: false }).join("\n");
    assert.match(keep, /Django database/);
    assert.match(keep, /PostgreSQL server at 127\.0\.0\.1:5432/);
    assert.match(keep, /media volume "eqmd_matrix_media_store".*attaches it again/);
    const wipe = describeKept(facts(), { stack: "dev", wipeMedia: true, yes: false }).join("\n");
    assert.doesNotMatch(wipe.slice(0, wipe.indexOf("Will be deleted")), /media volume/);
    assert.match(
      wipe,
      /Will be deleted after the destroy \(--wipe-media\):\n {2}- the media volume "eqmd_matrix_media_store"/,
    );
  });

  it("kept: the images and the volumes the up rewrites, unless this state still destroys them", () => {
    const keep = describeKept(facts(), { stack: "dev", wipeMedia: false, yes: false }).join("\n");
    assert.match(
      keep,
      /the images and the volumes "eqmd_matrix_config", "eqmd_matrix_secrets", "eqmd_element_web_root" \(outside the MatrixStack\): `up` writes every file on them again/,
    );
    // A state from before MatrixAssets: the config volume sits inside the MatrixStack.
    const olderState = {
      deletes: [
        { urn: volumeUrn, type: "docker:index/volume:Volume" },
        {
          urn: volumeUrn.replace(/::eqmd_matrix_media_store$/, "::matrix-synapse-config"),
          type: "docker:index/volume:Volume",
        },
      ],
      changeSummary: {},
    };
    const older = describeKept(facts(), { stack: "dev", wipeMedia: false, yes: false }, olderState).join("\n");
    assert.doesNotMatch(older, /eqmd_matrix_config/);
    assert.match(older, /media volume "eqmd_matrix_media_store"/);
    const workers = describeKept(facts({ synapse: { passwordLogin: true, workers: { sync: 1 } } }), {
      stack: "dev",
      wipeMedia: false,
      yes: false,
    }).join("\n");
    assert.match(workers, /"eqmd_matrix_redis_secrets" \(outside the MatrixStack\)/);
  });
});

describe("plan with a minimal stack", () => {
  it("copes with a preview that returns nothing", async () => {
    const stack: ResetStack = {
      name: "dev",
      getAllConfig: () => Promise.resolve({}),
      outputs: () => Promise.resolve({}),
      previewDestroy: () => Promise.resolve(undefined as unknown as { stdout?: string }),
      destroy: () => Promise.resolve(undefined),
      up: () => Promise.resolve(undefined),
    };
    assert.deepEqual(await previewDestroy(stack, URN, () => undefined), { deletes: [], changeSummary: {} });
  });
});
