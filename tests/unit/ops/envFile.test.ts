import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatEnvValue, planEnvUpsert, readEnvValue, writeEnvFile } from "../../../ops/envFile";
import { upsertEnvText } from "../../support/envText";
import { REPO_ROOT } from "../../support/settings";
import { runArgv, tempDir } from "../commands/support/run";

const EQMD_ENV = [
  "# EquipeMed environment",
  "CONTAINER_PREFIX=eqmd",
  "",
  "# Matrix",
  "MATRIX_FQDN=matrix.yourhospital.com",
  "SYNAPSE_OIDC_CLIENT_SECRET=old-secret   # set by hand",
  "export SYNAPSE_ADMIN_TOKEN=syt_old",
  "  SYNAPSE_OIDC_PROVIDER_ID = equipemed",
  "#SYNAPSE_ADMIN_TOKEN=commented-out-stays",
  "WEIRD LINE WITHOUT EQUALS",
  "",
].join("\n");

describe("formatEnvValue / readEnvValue", () => {
  it("leaves safe values bare and double-quotes the rest with compose escapes", () => {
    assert.equal(formatEnvValue("syt_YWRtaW4_abcDEF-123"), "syt_YWRtaW4_abcDEF-123");
    assert.equal(formatEnvValue("a=b:c/d.e,f@g%h+i"), "a=b:c/d.e,f@g%h+i");
    assert.equal(formatEnvValue(""), "");
    assert.equal(formatEnvValue("two words"), `"two words"`);
    assert.equal(formatEnvValue("pa#ss"), `"pa#ss"`);
    assert.equal(formatEnvValue(`say "hi"`), `"say \\"hi\\""`);
    assert.equal(formatEnvValue("it's"), `"it's"`);
    assert.equal(formatEnvValue("$HOME$$"), `"\\$HOME\\$\\$"`);
    assert.equal(formatEnvValue("back\\slash"), `"back\\\\slash"`);
    assert.equal(formatEnvValue("line\nbreak"), `"line\\nbreak"`);
  });

  it("reads back what it writes (as docker compose would)", () => {
    for (const v of [
      "plain",
      "",
      "two words",
      "pa#ss",
      `say "hi"`,
      "it's",
      "$HOME$$",
      "back\\slash",
      "line\nbreak",
      " lead",
      "trail ",
      "\\$\"'#",
    ]) {
      assert.equal(readEnvValue(formatEnvValue(v)), v, JSON.stringify(v));
    }
  });

  it("reads compose forms: inline comments, single quotes, $$; unknown when interpolating", () => {
    assert.equal(readEnvValue("value   # comment"), "value");
    assert.equal(readEnvValue("'lit $HOME # x'"), "lit $HOME # x");
    assert.equal(readEnvValue("a$$b"), "a$b");
    assert.equal(readEnvValue("$HOME"), undefined);
    assert.equal(readEnvValue(`"\${HOME}"`), undefined);
  });
});

describe("upsertEnvText", () => {
  it("replaces existing lines in place (also export and spaced forms), appends missing keys, keeps the rest byte for byte", () => {
    const out = upsertEnvText(EQMD_ENV, {
      SYNAPSE_OIDC_CLIENT_SECRET: "new-secret",
      SYNAPSE_ADMIN_TOKEN: "syt_new",
      SYNAPSE_OIDC_PROVIDER_ID: "equipemed",
      MATRIX_DATABASE_PASSWORD: "p@ss word#1",
    });
    assert.equal(
      out,
      [
        "# EquipeMed environment",
        "CONTAINER_PREFIX=eqmd",
        "",
        "# Matrix",
        "MATRIX_FQDN=matrix.yourhospital.com",
        "SYNAPSE_OIDC_CLIENT_SECRET=new-secret",
        "export SYNAPSE_ADMIN_TOKEN=syt_new",
        "  SYNAPSE_OIDC_PROVIDER_ID = equipemed",
        "#SYNAPSE_ADMIN_TOKEN=commented-out-stays",
        "WEIRD LINE WITHOUT EQUALS",
        `MATRIX_DATABASE_PASSWORD="p@ss word#1"`,
        "",
      ].join("\n"),
    );
  });

  it("adds a newline before appending when the file lacks a final one, and keeps CRLF files CRLF", () => {
    assert.equal(upsertEnvText("A=1", { B: "2" }), "A=1\nB=2\n");
    assert.equal(upsertEnvText("A=1\r\nC=3\r\n", { A: "9", B: "2" }), "A=9\r\nC=3\r\nB=2\r\n");
    assert.equal(upsertEnvText("", { B: "2" }), "B=2\n");
  });

  it("replaces every occurrence of a duplicated key", () => {
    assert.equal(upsertEnvText("K=a\nX=1\nK=b\n", { K: "c" }), "K=c\nX=1\nK=c\n");
  });

  it("replaces a multi-line quoted value whole and does not mistake its inner lines for keys", () => {
    const text = `KEY="line one\nOTHER=inside\nend"\nOTHER=real\n`;
    assert.equal(upsertEnvText(text, { KEY: "v" }), "KEY=v\nOTHER=real\n");
    assert.equal(upsertEnvText(text, { OTHER: "new" }), `KEY="line one\nOTHER=inside\nend"\nOTHER=new\n`);
  });

  it("keeps a line whose value is already equal, even if written differently", () => {
    const text = `A="same"\nB='lit'\nC=x # note\n`;
    assert.deepEqual(planEnvUpsert(text, { A: "same", B: "lit", C: "x" }), { text, updatedKeys: [] });
    assert.deepEqual(planEnvUpsert(text, { A: "same", C: "y" }).updatedKeys, ["C"]);
  });

  it("rejects keys that are not variable names", () => {
    assert.throws(() => upsertEnvText("", { "BAD KEY": "x" }), /not a valid \.env key/);
    assert.throws(() => upsertEnvText("", { "A=B": "x" }), /not a valid \.env key/);
  });
});

describe("writeEnvFile", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempDir("env");
    file = path.join(dir, ".env");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const mode = (p: string): number => fs.statSync(p).mode & 0o777;

  it("creates a missing file with mode 0600 and no backup", () => {
    const r = writeEnvFile(file, { SYNAPSE_ADMIN_TOKEN: "syt_x" });
    assert.deepEqual(r, { path: file, created: true, changed: true, updatedKeys: ["SYNAPSE_ADMIN_TOKEN"] });
    assert.equal(fs.readFileSync(file, "utf8"), "SYNAPSE_ADMIN_TOKEN=syt_x\n");
    assert.equal(mode(file), 0o600);
    assert.deepEqual(fs.readdirSync(dir), [".env"]);
  });

  it("keeps mode 0640, writes one backup with the same mode, leaves no temp files", () => {
    fs.writeFileSync(file, EQMD_ENV);
    fs.chmodSync(file, 0o640);
    const r = writeEnvFile(file, { SYNAPSE_ADMIN_TOKEN: "syt_1" });
    assert.equal(r.changed, true);
    assert.equal(r.backupPath, `${file}.bak`);
    assert.equal(mode(file), 0o640);
    assert.equal(mode(`${file}.bak`), 0o640);
    assert.equal(fs.readFileSync(`${file}.bak`, "utf8"), EQMD_ENV);
    assert.match(fs.readFileSync(file, "utf8"), /^export SYNAPSE_ADMIN_TOKEN=syt_1$/m);

    const before = fs.readFileSync(file, "utf8");
    writeEnvFile(file, { SYNAPSE_ADMIN_TOKEN: "syt_2" });
    assert.equal(fs.readFileSync(`${file}.bak`, "utf8"), before, "the single backup holds the previous version");
    assert.deepEqual(fs.readdirSync(dir).sort(), [".env", ".env.bak"]);
  });

  it("does nothing (no write, no backup) when no value changes", () => {
    fs.writeFileSync(file, EQMD_ENV);
    fs.chmodSync(file, 0o644);
    const past = new Date("2020-01-01T00:00:00Z");
    fs.utimesSync(file, past, past);
    const r = writeEnvFile(file, { MATRIX_FQDN: "matrix.yourhospital.com", CONTAINER_PREFIX: "eqmd" });
    assert.deepEqual(r, { path: file, created: false, changed: false, updatedKeys: [] });
    assert.equal(fs.statSync(file).mtime.getTime(), past.getTime());
    assert.deepEqual(fs.readdirSync(dir), [".env"]);
  });

  it("updates a symlinked .env behind its link", () => {
    const real = path.join(dir, "real.env");
    fs.writeFileSync(real, "A=1\n");
    fs.chmodSync(real, 0o640);
    fs.symlinkSync(real, file);
    writeEnvFile(file, { A: "2" });
    assert.ok(fs.lstatSync(file).isSymbolicLink());
    assert.equal(fs.readFileSync(real, "utf8"), "A=2\n");
    assert.equal(mode(real), 0o640);
  });

  it("refuses to rewrite a file that is not UTF-8", () => {
    fs.writeFileSync(file, Buffer.from([0x41, 0x3d, 0xff, 0x0a]));
    assert.throws(() => writeEnvFile(file, { A: "x" }), /not valid UTF-8/);
  });
});

describe("ops/env-upsert.ts", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir("env-cli");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[], stdin: string) =>
    runArgv([process.execPath, "--import", "tsx", path.join(REPO_ROOT, "ops", "env-upsert.ts"), ...args], {
      stdin,
      cwd: REPO_ROOT,
    });

  it("upserts from stdin JSON and prints key names only", async () => {
    const file = path.join(dir, ".env");
    fs.writeFileSync(file, "# keep me\nSYNAPSE_ADMIN_TOKEN=syt_old\n");
    const values = { SYNAPSE_ADMIN_TOKEN: "syt_secret_new", SYNAPSE_OIDC_CLIENT_SECRET: "oidc-secret-value" };
    const r = await cli([file], JSON.stringify(values));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${file}: updated SYNAPSE_ADMIN_TOKEN, SYNAPSE_OIDC_CLIENT_SECRET\n`);
    for (const v of Object.values(values)) assert.ok(!r.stdout.includes(v) && !r.stderr.includes(v));
    assert.equal(
      fs.readFileSync(file, "utf8"),
      "# keep me\nSYNAPSE_ADMIN_TOKEN=syt_secret_new\nSYNAPSE_OIDC_CLIENT_SECRET=oidc-secret-value\n",
    );

    const again = await cli([file], JSON.stringify(values));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /: unchanged \(SYNAPSE_ADMIN_TOKEN, SYNAPSE_OIDC_CLIENT_SECRET\)\n$/);
  });

  it("runs the command after `--` only when the file changed (recreating Django is not free)", async () => {
    const file = path.join(dir, ".env");
    const marker = path.join(dir, "recreated");
    const values = JSON.stringify({ SYNAPSE_ADMIN_TOKEN: "syt_token" });
    const first = await cli([file, "--", "touch", marker], values);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(fs.existsSync(marker), "the command ran after the first write");
    fs.rmSync(marker);
    const again = await cli([file, "--", "touch", marker], values);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(fs.existsSync(marker), false, "nothing changed, so nothing is recreated");
    const failing = await cli([file, "--", "false"], JSON.stringify({ SYNAPSE_ADMIN_TOKEN: "syt_other" }));
    assert.equal(failing.code, 1, "the command's failure is the script's failure");
    assert.equal((await cli([file, "--"], values)).code, 2, "`--` needs a command");
  });

  it("fails on bad usage or input without echoing values", async () => {
    assert.equal((await cli([], "{}")).code, 2);
    const bad = await cli([path.join(dir, ".env")], JSON.stringify({ A: 42 }));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^env-upsert failed: the value for A is not a string\n$/);
    const notJson = await cli([path.join(dir, ".env")], "A=secret");
    assert.equal(notJson.code, 1);
    assert.ok(!notJson.stderr.includes("secret"));
  });
});
