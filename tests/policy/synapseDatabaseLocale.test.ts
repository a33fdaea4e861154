import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { synapseDatabaseLocale as policy } from "../../policy/policies";
import { MATRIX_STACK_TYPE, T, violationsOf } from "./support";

const GOOD = {
  name: "matrix_db",
  owner: "matrix_user",
  encoding: "UTF8",
  lcCollate: "C",
  lcCtype: "C",
  template: "template0",
};

describe("synapse-database-locale", () => {
  test("passes matrix_db declared UTF8 / C / C from template0", async () => {
    const spec = {
      type: T.database,
      name: "matrix-db",
      props: GOOD,
      parents: [MATRIX_STACK_TYPE, "eqmd:matrix:SynapseDatabase"],
    };
    assert.deepEqual(await violationsOf(policy, spec), []);
  });

  test("reports every wrong or missing setting in one message, with the remedy", async () => {
    const violations = await violationsOf(policy, {
      type: T.database,
      name: "matrix-db",
      props: { name: "matrix_db", encoding: "UTF8", lcCollate: "en_US.UTF-8", lcCtype: "c" },
    });
    assert.deepEqual(violations.length, 1);
    assert.ok(
      violations[0].startsWith(
        'Database "matrix_db" is not one Synapse accepts: lcCollate is "en_US.UTF-8" (expected "C"), lcCtype is "c" (expected "C"), template is unset (expected "template0"). ',
      ),
      violations[0],
    );
    assert.match(violations[0], /force replacement/);
  });

  test('reports "UTF-8", "C.UTF-8" and template1 (Synapse compares exact strings)', async () => {
    const violations = await violationsOf(policy, {
      type: T.database,
      name: "matrix-db",
      props: { ...GOOD, encoding: "UTF-8", lcCtype: "C.UTF-8", template: "template1" },
    });
    assert.match(
      violations[0],
      /encoding is "UTF-8" \(expected "UTF8"\), lcCtype is "C.UTF-8" \(expected "C"\), template is "template1"/,
    );
  });

  test("treats a database with all defaults as wrong: every setting must be explicit", async () => {
    const violations = await violationsOf(policy, { type: T.database, name: "matrix-db", props: {} });
    assert.match(violations[0], /^Database "matrix-db" is not one Synapse accepts: encoding is unset/);
  });

  test("ignores other resource types", async () => {
    assert.deepEqual(await violationsOf(policy, { type: T.role, props: { name: "matrix_user" } }), []);
  });
});
