/**
 * Golden files: every rendered file of the example stacks, built from Pulumi.prod.yaml and
 * Pulumi.dev.yaml through the program's own config decoding and settings builder, compared
 * byte for byte with tests/golden/<env>/. So the goldens are what those examples deploy: an
 * edit to an example fails here until the goldens are regenerated. After an intended change,
 * run `npm run golden:update` and review the diff.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { REPO_ROOT, settingsFromStackFile } from "../../support/settings";
import { readStackConfig } from "../../support/stackConfig";
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
  prod: () => settingsFromStackFile("Pulumi.prod.yaml", "prod"),
  dev: () => settingsFromStackFile("Pulumi.dev.yaml", "dev"),
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

describe("the prod golden says what Pulumi.prod.yaml says", () => {
  const golden = (name: string) => fs.readFileSync(path.join(REPO_ROOT, "tests", "golden", "prod", name), "utf8");
  const example = readStackConfig(path.join(REPO_ROOT, "Pulumi.prod.yaml")).values;
  const section = (key: string) => JSON.parse(example[`eqmd-matrix:${key}`] ?? "{}") as Record<string, unknown>;

  it("Synapse modules: the example's list (none while eqmd_policy is commented out)", () => {
    const declared = (section("synapse")["modules"] as { module: string }[] | undefined) ?? [];
    const rendered = (parse(golden("homeserver.yaml")) as Record<string, unknown>)["modules"] as
      { module: string }[] | undefined;
    assert.deepEqual(
      (rendered ?? []).map((m) => m.module),
      declared.map((m) => m.module),
    );
  });

  it("Element's pinning and legal links, and the log file, as the example sets them", () => {
    const element = section("element");
    const config = JSON.parse(golden("element-config.json")) as Record<string, unknown>;
    assert.deepEqual(config["features"], { feature_pinning: element["messagePinning"] ?? false });
    assert.deepEqual(config["terms_and_conditions_links"], element["termsLinks"]);
    const fileLog = section("synapse")["fileLog"] !== undefined;
    assert.equal(golden("log_config.yaml").includes("/data/logs/homeserver.log"), fileLog);
  });
});
