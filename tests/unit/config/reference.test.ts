/**
 * docs/configuration.md is the schema's reference, generated: it must be what
 * `npm run docs:config` writes today, and every key's example and bad value must behave as the
 * reference says (accepted; refused with the printed error).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { issuesFor, referenceEntries, REFERENCE_FILE, renderConfigReference } from "../../../config/reference";
import { configSchema } from "../../../config/schema";
import { REPO_ROOT } from "../../support/settings";

describe("the configuration reference", () => {
  test(`${REFERENCE_FILE} is up to date (else run: npm run docs:config)`, () => {
    const file = path.join(REPO_ROOT, REFERENCE_FILE);
    const written = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    assert.ok(
      written === renderConfigReference(),
      `${REFERENCE_FILE} is stale: config/schema.ts changed since it was written. Run \`npm run docs:config\` and commit the result.`,
    );
  });

  test("lists every key of the schema, and the two secret keys", () => {
    const documented = referenceEntries().map((e) => e.key);
    for (const [key, schema] of Object.entries(configSchema.shape)) {
      // A section is an object schema under .prefault()/.optional(); its keys are listed one by one.
      const inner = (schema.def as { innerType?: { def: { shape?: object } } }).innerType?.def.shape;
      const keys = inner ? Object.keys(inner).map((field) => `${key}.${field}`) : [key];
      for (const k of keys) assert.ok(documented.includes(k), `${k} is not in the reference`);
    }
    assert.ok(documented.includes("postgresAdminPassword") && documented.includes("oidcClientSecret"));
  });

  for (const entry of referenceEntries()) {
    test(`${entry.key}: the example passes, the bad value gets an error naming the key`, () => {
      assert.deepEqual(issuesFor(entry, entry.doc.example, entry.schema === undefined), []);
      const errors = issuesFor(entry, entry.doc.bad);
      assert.ok(errors.length > 0, `the bad value ${JSON.stringify(entry.doc.bad)} of ${entry.key} is accepted`);
      for (const line of errors) assert.match(line, new RegExp(`eqmd-matrix:${entry.key.replace(/[.[\]]/g, "\\$&")}`));
    });
  }
});
