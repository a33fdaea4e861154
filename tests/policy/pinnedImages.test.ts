import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { classifyImageRef } from "../../policy/imageRef";
import { pinnedImages } from "../../policy/policies";
import { goodContainer, T, violationsOf } from "./support";

const DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

describe("classifyImageRef", () => {
  for (const [ref, by] of [
    ["matrixdotorg/synapse:v1.163.2", "tag"],
    ["postgres:15-alpine", "tag"],
    ["localhost:5000/eqmd/synapse:v1.99.0", "tag"],
    [`vectorim/element-web@${DIGEST}`, "digest"],
    [`vectorim/element-web:v1.11.58@${DIGEST}`, "digest"],
    [`registry.example.org:443/element@${DIGEST}`, "digest"],
    [DIGEST, "image-id"],
  ] as const) {
    test(`${ref} is pinned by ${by}`, () => {
      assert.deepEqual(classifyImageRef(ref), { pinned: true, by });
    });
  }

  for (const [ref, reason] of [
    ["matrixdotorg/synapse", /no tag/],
    ["localhost:5000/eqmd/synapse", /no tag/],
    ["matrixdotorg/synapse:", /no tag/],
    ["matrixdotorg/synapse:latest", /"latest" moves/],
    ["vectorim/element-web:Latest", /"Latest" moves/],
    ["vectorim/element-web:develop", /"develop" moves/],
    [`vectorim/element-web:latest@${DIGEST}`, /"latest" moves/],
    ["vectorim/element-web@sha256:abc", /not a content digest/],
    ["  ", /empty/],
  ] as const) {
    test(`${JSON.stringify(ref)} is not pinned`, () => {
      const pin = classifyImageRef(ref);
      assert.equal(pin.pinned, false);
      assert.match(pin.pinned ? "" : pin.reason, reason);
    });
  }
});

describe("pinned-images", () => {
  test("passes a RemoteImage with a version tag and a Container fed the image ID", async () => {
    assert.deepEqual(
      await violationsOf(pinnedImages, {
        type: T.remoteImage,
        name: "synapse-image",
        props: { name: "matrixdotorg/synapse:v1.163.2", keepLocally: true },
      }),
      [],
    );
    assert.deepEqual(await violationsOf(pinnedImages, { type: T.container, props: goodContainer() }), []);
  });

  test("passes a Container given a plain pinned reference", async () => {
    assert.deepEqual(
      await violationsOf(pinnedImages, { type: T.container, props: goodContainer({ image: "postgres:15-alpine" }) }),
      [],
    );
  });

  test("reports a RemoteImage on latest, naming the resource and the remedy", async () => {
    const violations = await violationsOf(pinnedImages, {
      type: T.remoteImage,
      name: "element-image",
      props: { name: "vectorim/element-web:latest" },
    });
    assert.deepEqual(violations.length, 1);
    assert.match(
      violations[0],
      /^RemoteImage "element-image": name "vectorim\/element-web:latest" is not pinned: the tag "latest" moves/,
    );
    assert.match(violations[0], /Pin the image to a release tag/);
  });

  test("reports a Container whose image has no tag", async () => {
    const violations = await violationsOf(pinnedImages, {
      type: T.container,
      name: "synapse",
      props: goodContainer({ image: "matrixdotorg/synapse" }),
    });
    assert.deepEqual(violations, [
      `Container "eqmd_synapse": image "matrixdotorg/synapse" is not pinned: it has no tag, so Docker pulls whatever "latest" points to today. ${pinnedImages.remediationSteps ?? ""}`,
    ]);
  });

  test("ignores other resource types", async () => {
    assert.deepEqual(await violationsOf(pinnedImages, { type: T.volume, props: { name: "latest" } }), []);
  });
});
