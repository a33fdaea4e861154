import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  markedLine,
  parseAdminBootstrap,
  parseClientSecret,
  parseKeyValueLines,
} from "../../../components/commands/parse";
import { DJANGO_52_SHELL_PREAMBLE, setupSynapseOidcClientOutput as eqmdOutput } from "../../support/eqmdOutput";

const SECRET = "Zq3_vB9-xYk2LmN0pQrStUvWxYz0123456789abcDE"; // 43 chars, token_urlsafe(32) alphabet

describe("parseClientSecret", () => {
  it("takes the SYNAPSE_OIDC_CLIENT_SECRET= line of eqmd's output", () => {
    assert.equal(parseClientSecret(eqmdOutput(SECRET)), SECRET);
  });

  it("tolerates CRLF (a TTY), ANSI colours, leading spaces and surrounding noise", () => {
    const coloured = eqmdOutput(SECRET, "\r\n")
      .replace(`SYNAPSE_OIDC_CLIENT_SECRET=${SECRET}`, `  \x1b[32;1mSYNAPSE_OIDC_CLIENT_SECRET=${SECRET}\x1b[0m  `)
      .replace("✓ Synapse", "\x1b[32m✓ Synapse\x1b[0m");
    const noisy = `Warning: something unrelated\r\n${coloured}\r\nWatching for file changes with StatReloader\r\n`;
    assert.equal(parseClientSecret(noisy), SECRET);
  });

  it("cuts at the first '=' only (a secret may contain '=')", () => {
    assert.equal(parseClientSecret("SYNAPSE_OIDC_CLIENT_SECRET=abc=def==\n"), "abc=def==");
  });

  it("fails clearly, without echoing the output (it may hold the secret), when the line is absent", () => {
    const withoutLine = eqmdOutput(SECRET).replace(/^SYNAPSE_OIDC_CLIENT_SECRET=.*$/m, "");
    assert.throws(
      () => parseClientSecret(withoutLine),
      (e: Error) => {
        assert.match(e.message, /printed no SYNAPSE_OIDC_CLIENT_SECRET=<secret> line/);
        assert.match(e.message, /reported completion but in an unexpected format/);
        assert.ok(!e.message.includes(SECRET), "secret echoed in the error");
        return true;
      },
    );
    assert.throws(() => parseClientSecret(""), /banner .* is missing too, so the command probably did not run/);
    assert.throws(
      () => parseClientSecret("Setting up OIDC client for Matrix Synapse...\nClient ID: x\n"),
      /started but did not report completion/,
    );
  });

  it("rejects an empty value or one with whitespace, without showing it", () => {
    assert.throws(() => parseClientSecret("SYNAPSE_OIDC_CLIENT_SECRET=\n"), /printed no SYNAPSE_OIDC_CLIENT_SECRET/);
    assert.throws(
      () => parseClientSecret("SYNAPSE_OIDC_CLIENT_SECRET=abc def\n"),
      (e: Error) => /containing whitespace/.test(e.message) && !e.message.includes("abc def"),
    );
  });
});

describe("parseKeyValueLines", () => {
  it("returns the requested keys, last occurrence winning, ignoring others", () => {
    const out =
      "MATRIX_BOT_ACCESS_TOKEN=old\r\nnoise line\r\n\x1b[1mMATRIX_BOT_ACCESS_TOKEN=syt_new\x1b[0m\r\nOTHER=1\r\n";
    assert.deepEqual(parseKeyValueLines(out, ["MATRIX_BOT_ACCESS_TOKEN"]), { MATRIX_BOT_ACCESS_TOKEN: "syt_new" });
  });

  it("accepts `export KEY=` and strips one pair of surrounding quotes", () => {
    assert.deepEqual(parseKeyValueLines(`export A="x y"\n  B='z'\n`, ["A", "B"]), { A: "x y", B: "z" });
  });

  it("throws naming every missing key and no value", () => {
    assert.throws(
      () => parseKeyValueLines("A=secret-value\n", ["A", "B", "C"]),
      (e: Error) => {
        assert.match(e.message, /a B=<value> line, a C=<value> line/);
        assert.ok(!e.message.includes("A=<value>"));
        assert.ok(!e.message.includes("secret-value"));
        assert.match(e.message, /1 non-empty line\(s\), not shown/);
        return true;
      },
    );
  });
});

describe("parseAdminBootstrap", () => {
  it("reads the last JSON line", () => {
    const out = `{"access_token": "syt_old", "device_id": "D1", "user_id": "@admin:x"}\n{"access_token": "syt_new", "device_id": "D2", "user_id": "@admin:x"}\n`;
    assert.deepEqual(parseAdminBootstrap(out), { userId: "@admin:x", accessToken: "syt_new", deviceId: "D2" });
  });

  it("accepts a missing or null device_id (token from the login-as-user API)", () => {
    assert.deepEqual(parseAdminBootstrap(`{"user_id":"@admin:x","access_token":"t","device_id":null}\r\n`), {
      userId: "@admin:x",
      accessToken: "t",
      deviceId: "",
    });
  });

  it("fails clearly without echoing the output", () => {
    assert.throws(
      () => parseAdminBootstrap("admin bootstrap: syt_leaky\n"),
      (e: Error) => /printed no JSON result line/.test(e.message) && !e.message.includes("syt_leaky"),
    );
    assert.throws(() => parseAdminBootstrap(`{"user_id":"@admin:x"}`), /lacks access_token/);
  });
});

describe("markedLine (manage.py shell output)", () => {
  it("reads only the code's own line after Django 5.2's auto-import report (eqmd-facts.md §15)", () => {
    const stdout = `${DJANGO_52_SHELL_PREAMBLE}RSAKEYS=2\n`;
    assert.match(stdout, /^7 objects could not be automatically imported:/);
    assert.match(stdout, /\n77 objects imported automatically/);
    assert.equal(markedLine(stdout, "RSAKEYS"), "2");
  });

  it("ignores a line that holds the marker further in, and takes colour codes and CRLF off", () => {
    assert.equal(markedLine(`x RSAKEYS=9\r\n\x1b[0mRSAKEYS=1\x1b[0m\r\n`, "RSAKEYS"), "1");
    assert.throws(
      () => markedLine(DJANGO_52_SHELL_PREAMBLE, "RSAKEYS"),
      /^Error: manage\.py shell printed no RSAKEYS=<value> line \(output: 4 non-empty line\(s\), not shown/,
    );
  });
});
