import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { urnTypeChain } from "../../policy/noProtectInsideMatrixStack";
import { noProtectInsideMatrixStack as policy } from "../../policy/policies";
import { MATRIX_STACK_TYPE, T, urnFor, violationsOf } from "./support";

const SYNAPSE = "eqmd:matrix:Synapse";

describe("no-protect-inside-matrix-stack", () => {
  test("reads the type chain from a URN", () => {
    assert.deepEqual(urnTypeChain(urnFor(T.container, "synapse", [MATRIX_STACK_TYPE, SYNAPSE])), [
      MATRIX_STACK_TYPE,
      SYNAPSE,
      T.container,
    ]);
    assert.deepEqual(urnTypeChain("urn:pulumi:dev::eqmd-matrix::docker:index/volume:Volume::name::with::colons"), [
      T.volume,
    ]);
    assert.deepEqual(urnTypeChain("not-a-urn"), []);
  });

  test("passes unprotected resources inside MatrixStack and protected ones outside it", async () => {
    assert.deepEqual(await violationsOf(policy, { type: T.container, parents: [MATRIX_STACK_TYPE, SYNAPSE] }), []);
    assert.deepEqual(
      await violationsOf(policy, { type: T.volume, name: "postgres-data", opts: { protect: true } }),
      [],
      "the dev stack's own PostgreSQL lives outside MatrixStack and may be protected",
    );
    assert.deepEqual(
      await violationsOf(policy, {
        type: T.container,
        parents: ["eqmd:matrix:MatrixStackish"],
        opts: { protect: true },
      }),
      [],
    );
  });

  test("reports a protected resource anywhere below MatrixStack, with the reset explained", async () => {
    const violations = await violationsOf(policy, {
      type: T.database,
      name: "matrix-db",
      parents: [MATRIX_STACK_TYPE, "eqmd:matrix:SynapseDatabase"],
      opts: { protect: true },
    });
    assert.equal(violations.length, 1);
    assert.ok(
      violations[0].startsWith(
        `"matrix-db" (${T.database}) is inside eqmd:matrix:MatrixStack and has protect: true. A reset runs \`pulumi destroy --target <MatrixStack URN> --target-dependents\``,
      ),
      violations[0],
    );
    assert.match(violations[0], /retainOnDelete/);
    assert.match(violations[0], /pulumi state unprotect/);
  });

  test("reports a protected MatrixStack itself (its children inherit protect)", async () => {
    const violations = await violationsOf(policy, { type: MATRIX_STACK_TYPE, name: "matrix", opts: { protect: true } });
    assert.equal(violations.length, 1);
  });
});
