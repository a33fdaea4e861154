/**
 * eqmd's .env disagreeing with the stack stops the program before it declares anything, so a
 * preview already fails and no resource changes (the messages: tests/unit/config).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { recordProgram } from "../support/programHarness";

const SECRETS = { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" };

test("a .env with another MATRIX_FQDN: the program fails with the key, both values and the fix, declaring nothing", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-matrix-envcheck-"));
  try {
    const envPath = path.join(dir, "eqmd.env");
    fs.writeFileSync(envPath, "MATRIX_FQDN=matrix.other.org\nSYNAPSE_ADMIN_TOKEN=syt_old_admin_token\n", {
      mode: 0o600,
    });
    const envFile = { path: envPath, recreateCommand: [] };
    const bad = recordProgram("Pulumi.prod.yaml", { secrets: SECRETS, overrides: { "eqmd-matrix:envFile": envFile } });
    assert.match(
      bad.error ?? "",
      new RegExp(
        `- ${envPath.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: MATRIX_FQDN = "matrix\\.other\\.org": expected "matrix\\.yourhospital\\.com".*Fix: set MATRIX_FQDN=matrix\\.yourhospital\\.com`,
      ),
    );
    assert.doesNotMatch(bad.error ?? "", /syt_old/);
    assert.deepEqual(
      bad.resources.map((r) => r.type),
      [],
      "nothing is declared, so nothing can change",
    );

    fs.writeFileSync(envPath, "MATRIX_FQDN=matrix.yourhospital.com\n", { mode: 0o600 });
    const good = recordProgram("Pulumi.prod.yaml", { secrets: SECRETS, overrides: { "eqmd-matrix:envFile": envFile } });
    assert.equal(good.error, undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
