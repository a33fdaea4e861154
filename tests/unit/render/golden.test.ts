/**
 * Golden files: every rendered file of the prod and dev fixtures, compared byte for byte with
 * tests/golden/<env>/. After an intended change, rewrite them with
 * `UPDATE_GOLDEN=1 node --import tsx --test tests/unit/render/golden.test.ts` and review the diff.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, settingsFrom, DEV_RAW } from "../../support/settings";
import { Settings } from "../../../config/settings";
import { renderHomeserverYaml, renderPgpass, renderSecretsYaml } from "../../../render/homeserver";
import { renderLogConfig } from "../../../render/logConfig";
import { renderElementConfigJson } from "../../../render/element";
import { renderSigningKey } from "../../../render/signingKey";

const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** Fake values only: these files are committed. */
const FAKE_SECRETS = {
  registrationSharedSecret: "fake-registration-shared-secret",
  macaroonSecretKey: "fake-macaroon-secret-key",
  formSecret: "fake-form-secret",
};
const FAKE_DB_PASSWORD = "fake:db\\password";
const FAKE_KEY_ID = "a_golden";
/** The 32 bytes 0x00…0x1f. */
const FAKE_SEED = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString("base64");

const ENVIRONMENTS: Record<string, () => Settings> = {
  prod: () => settingsFrom(),
  dev: () => settingsFrom(DEV_RAW, "dev"),
};

function renderAll(s: Settings): Record<string, string> {
  return {
    "homeserver.yaml": renderHomeserverYaml(s),
    "secrets.yaml": renderSecretsYaml(FAKE_SECRETS),
    "log_config.yaml": renderLogConfig(s),
    "element-config.json": renderElementConfigJson(s),
    "signing.key": renderSigningKey(FAKE_KEY_ID, FAKE_SEED),
    pgpass: renderPgpass(s, FAKE_DB_PASSWORD),
  };
}

for (const [env, settings] of Object.entries(ENVIRONMENTS)) {
  describe(`golden files: ${env}`, () => {
    const dir = path.join(REPO_ROOT, "tests", "golden", env);
    for (const [name, actual] of Object.entries(renderAll(settings()))) {
      it(`${name} matches tests/golden/${env}/${name}`, () => {
        const file = path.join(dir, name);
        if (UPDATE) {
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(file, actual);
        }
        assert.ok(fs.existsSync(file), `missing golden file ${file}: run with UPDATE_GOLDEN=1 to create it`);
        assert.equal(
          actual,
          fs.readFileSync(file, "utf8"),
          `${env}/${name} differs; if intended, rerun with UPDATE_GOLDEN=1`,
        );
      });
    }
  });
}
