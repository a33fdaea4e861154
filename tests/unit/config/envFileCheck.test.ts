/**
 * eqmd's .env read as compose reads it (config/dotenv.ts) and checked against the stack
 * (config/envFileCheck.ts); the catalogue (catalogue.test.ts) has the messages end to end.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readEnvFile, readEnvValue } from "../../../config/dotenv";
import { checkEnvFile, envFileIssues } from "../../../config/envFileCheck";
import { formatIssue } from "../../../config/errors";
import { EQMD_PROD_RAW, settingsFrom } from "../../support/settings";

const prod = settingsFrom({ ...EQMD_PROD_RAW, envFile: { path: "/opt/eqmd/.env" } });
const FILE = "/opt/eqmd/.env";

/** A .env as eqmd's hand procedure leaves it, in agreement with the prod settings. */
const AGREEING = [
  "EQMD_DOMAIN=yourhospital.com",
  "MATRIX_FQDN=matrix.${EQMD_DOMAIN}",
  "SYNAPSE_OIDC_PROVIDER_ID=equipemed",
  "MATRIX_BOT_USER_ID='@rzero_bot:matrix.yourhospital.com'",
  "SYNAPSE_ADMIN_TOKEN=syt_old_admin_token_value",
  "MATRIX_BOT_ACCESS_TOKEN=syt_old_bot_token_value",
];
const env = (...lines: string[]) => `${lines.join("\n")}\n`;
const keysOf = (text: string) => envFileIssues(prod, text, FILE).map((i) => i.key);

describe("readEnvFile: as docker compose reads it", () => {
  test("interpolates ${VAR}, $VAR, ${VAR:-x}, ${VAR-x} from the lines above; a later line wins", () => {
    const entries = readEnvFile(
      env(
        "A=one",
        "EMPTY=",
        "B=${A}.two",
        "C=$A-x",
        '"D"=ignored',
        "D=${MISSING:-fallback}",
        "E=${EMPTY-kept-empty}",
        "F=${EMPTY:-used}",
        "G='${A} literal'",
        'H="${A} $$ \\$ quoted"',
        "A=later",
      ),
    );
    const value = (k: string) => entries.get(k)?.value;
    assert.deepEqual(["A", "B", "C", "D", "E", "F", "G", "H"].map(value), [
      "later",
      "one.two",
      "one-x",
      "fallback",
      "",
      "used",
      "${A} literal",
      "one $ $ quoted",
    ]);
  });

  test("a reference to nothing above, or another form, is unknown (undefined), with its raw text kept", () => {
    const entries = readEnvFile(env("X=${NOPE}", "Y=${A:?err}", "Z=$"));
    assert.deepEqual(
      [...entries.values()].map((e) => [e.value, e.raw]),
      [
        [undefined, "${NOPE}"],
        [undefined, "${A:?err}"],
        [undefined, "$"],
      ],
    );
  });

  test("without a lookup readEnvValue still refuses interpolation (the writer rewrites such a line)", () => {
    assert.equal(readEnvValue("${A}"), undefined);
    assert.equal(
      readEnvValue("${A}", () => "a"),
      "a",
    );
  });
});

describe("envFileIssues: identities are eqmd's, credentials are the program's", () => {
  test("an agreeing .env: no problem (old tokens are the program's to replace)", () => {
    assert.deepEqual(envFileIssues(prod, env(...AGREEING), FILE), []);
  });

  test("no MATRIX_BOT_USER_ID: eqmd's default @rzero_bot:<MATRIX_FQDN> is compared with the module's", () => {
    assert.deepEqual(keysOf(env("MATRIX_FQDN=matrix.yourhospital.com")), []);
    const other = settingsFrom({
      ...EQMD_PROD_RAW,
      envFile: { path: FILE },
      synapse: {
        modules: [{ module: "eqmd_policy.EqmdPolicyModule", config: { bot_user_id: "@bot:matrix.yourhospital.com" } }],
      },
    });
    const [issue] = envFileIssues(other, env("MATRIX_FQDN=matrix.yourhospital.com"), FILE);
    assert.match(
      formatIssue(issue),
      /^ {2}- \/opt\/eqmd\/\.env: MATRIX_BOT_USER_ID is missing: expected "@bot:matrix\.yourhospital\.com"/,
    );
    assert.match(
      formatIssue(issue),
      /without the line eqmd's Django uses @rzero_bot:matrix\.yourhospital\.com.*Fix: add MATRIX_BOT_USER_ID=@bot:matrix\.yourhospital\.com/,
    );
  });

  test("setup_matrix_bot --user-id in a hook names the bot too", () => {
    const hooked = settingsFrom({
      ...EQMD_PROD_RAW,
      synapse: {},
      envFile: { path: FILE },
      afterReset: [{ command: ["setup_matrix_bot", "--user-id=@rz:matrix.yourhospital.com"] }],
    });
    const [issue] = envFileIssues(hooked, env(...AGREEING), FILE);
    assert.equal(issue.key, "MATRIX_BOT_USER_ID");
    assert.match(
      issue.expected,
      /"@rz:matrix\.yourhospital\.com", the bot the stack names in afterReset\[0\]\.command\[1\]/,
    );
  });

  test("the provider id is checked only with OIDC on; a wrong MATRIX_FQDN hides the bot check (one cause, one line)", () => {
    const text = env(
      "MATRIX_FQDN=matrix.other.org",
      "SYNAPSE_OIDC_PROVIDER_ID=x",
      "MATRIX_BOT_USER_ID=@b:matrix.other.org",
    );
    assert.deepEqual(keysOf(text), ["MATRIX_FQDN", "SYNAPSE_OIDC_PROVIDER_ID"]);
    const noOidc = settingsFrom({ ...EQMD_PROD_RAW, oidc: { enabled: false }, synapse: { passwordLogin: true } });
    assert.deepEqual(
      envFileIssues(noOidc, text, FILE).map((i) => i.key),
      ["MATRIX_FQDN"],
    );
  });

  test("no message carries a token of the .env", () => {
    const text = env(...AGREEING.map((l) => l.replace("matrix.${EQMD_DOMAIN}", "matrix.other.org")));
    const message = envFileIssues(prod, text, FILE).map(formatIssue).join("\n");
    assert.match(message, /MATRIX_FQDN = "matrix\.other\.org"/);
    assert.doesNotMatch(message, /syt_old/);
  });
});

describe("checkEnvFile: reads the file the stack names, before any change", () => {
  test("no file yet: nothing to disagree with; an unreadable one is a problem on envFile.path", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-matrix-envcheck-"));
    try {
      const at = (p: string) => settingsFrom({ ...EQMD_PROD_RAW, envFile: { path: p } });
      assert.deepEqual(checkEnvFile(at("absent.env"), dir), []);
      fs.mkdirSync(path.join(dir, "a-directory.env"));
      assert.deepEqual(
        checkEnvFile(at("a-directory.env"), dir).map((i) => i.key),
        ["envFile.path"],
      );
      fs.writeFileSync(path.join(dir, "eqmd.env"), env("MATRIX_FQDN=matrix.other.org"));
      assert.deepEqual(
        checkEnvFile(at("eqmd.env"), dir).map((i) => [i.file, i.key, i.value]),
        [["eqmd.env", "MATRIX_FQDN", "matrix.other.org"]],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
