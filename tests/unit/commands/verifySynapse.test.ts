import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { scriptCommand, type VerifySynapseInput } from "../../../components/commands/pythonScripts";
import { scriptStdin } from "../../support/pythonScripts";
import { FakeSynapse, closedPort } from "./support/fakeSynapse";
import { runShell } from "./support/run";

const LINE = scriptCommand("verify_synapse", { command: [] });
const ADMIN = "@admin:matrix.test.local";

describe("verify_synapse.py against a fake Synapse and OpenID provider", () => {
  let syn: FakeSynapse;
  let token: string;
  beforeEach(async () => {
    syn = new FakeSynapse();
    await syn.start();
    syn.addUser(ADMIN, { admin: true });
    token = syn.issueToken(ADMIN, { device: "DEV" });
  });
  afterEach(async () => syn.stop());

  function input(over: Partial<VerifySynapseInput> = {}): VerifySynapseInput {
    return {
      base_url: syn.baseUrl,
      idp_id: "oidc-equipemed",
      issuer: syn.issuer,
      admin_token: token,
      admin_user_id: ADMIN,
      deadline_seconds: 2,
      ...over,
    };
  }

  const run = (inp: VerifySynapseInput) => runShell(LINE, { stdin: scriptStdin("verify_synapse", inp) });

  it("passes and prints a secret-free JSON summary", async () => {
    const r = await run(input({ deadline_seconds: 10 }));
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(summary, {
      ok: true,
      base_url: syn.baseUrl,
      checks: ["health", "login", "jwks", "admin"],
      idp_id: "oidc-equipemed",
      issuer: syn.issuer,
      rsa_keys: 1,
      admin_user_id: ADMIN,
    });
    assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token));
    assert.ok(r.millis < 5000);
  });

  it("fails when Synapse does not offer the identity provider, saying what it offers", async () => {
    syn.idpIds = [];
    const r = await run(input());
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /verification failed \(login\): login flows offer \[m\.login\.token, m\.login\.application_service\] but not oidc-equipemed: Synapse did not load the OIDC provider; check the issuer and client secret/,
    );
    assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("verification failed")).length, 1);
    assert.match(r.stderr, /gave up after \d+ s/);
  });

  it("names the providers offered when a different one is loaded", async () => {
    syn.idpIds = ["oidc-other"];
    const r = await run(input());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /m\.login\.sso \(providers \['oidc-other'\]\)/);
  });

  it("fails when the JWKS holds no RSA key", async () => {
    syn.jwksKeys = [{ kty: "EC", crv: "P-256", kid: "e1" }];
    const r = await run(input());
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /verification failed \(jwks\): JWKS at .*\/o\/jwks holds no RSA key \(1 keys, kty \['EC'\]\): run Django's 'manage.py creatersakey', then restart Synapse/,
    );
  });

  it("fails when discovery names a different issuer", async () => {
    syn.reportedIssuer = "https://elsewhere.example/o";
    const r = await run(input());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /names issuer 'https:\/\/elsewhere\.example\/o', but Synapse is configured with/);
  });

  it("fails when the admin token is not accepted, one line per failed check", async () => {
    syn.idpIds = [];
    const r = await run(input({ admin_token: "syt_revoked_token" }));
    assert.equal(r.code, 1);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("verification failed"));
    assert.equal(lines.length, 2);
    assert.match(lines[1], /\(admin\): the admin token is not accepted by the admin API .*HTTP 401 M_UNKNOWN_TOKEN/);
    assert.ok(!r.stderr.includes("syt_revoked_token"));
  });

  it("fails when the user is not a server admin", async () => {
    const other = "@someone:matrix.test.local";
    syn.addUser(other, { admin: false });
    const r = await run(input({ admin_token: syn.issueToken(other), admin_user_id: other }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(admin\): the admin token is not accepted .*M_FORBIDDEN/);
  });

  it("keeps polling until a late check passes (no fixed sleeps)", async () => {
    syn.idpIds = [];
    setTimeout(() => (syn.idpIds = ["oidc-equipemed"]), 1200);
    const r = await run(input({ deadline_seconds: 10 }));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.millis >= 1000 && r.millis < 6000, `took ${r.millis} ms`);
  });

  it("checks only health (and admin) when OIDC is off", async () => {
    syn.idpIds = [];
    syn.jwksKeys = [];
    const r = await run(input({ idp_id: null, issuer: null }));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { checks: string[] }).checks, ["health", "admin"]);
  });
});

describe("verify_synapse.py with nothing listening", () => {
  it("reports every failed check at the deadline and exits 1", async () => {
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    const r = await runShell(LINE, {
      stdin: scriptStdin("verify_synapse", {
        base_url: base,
        idp_id: "oidc-equipemed",
        issuer: `${base}/o`,
        admin_token: "t",
        admin_user_id: ADMIN,
        deadline_seconds: 2,
      }),
    });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("verification failed"));
    assert.deepEqual(
      lines.map((l) => /\((\w+)\)/.exec(l)?.[1]),
      ["health", "login", "jwks", "admin"],
    );
    assert.match(
      lines[0],
      /Synapse is not answering: no answer from .*\/health \(.*refused.*\): check that it is running/i,
    );
    assert.ok(r.millis < 8000, `took ${r.millis} ms`);
  });

  it("rejects bad stdin", async () => {
    const r = await runShell(LINE, {
      stdin: scriptStdin("verify_synapse", { base_url: "http://x", deadline_seconds: 0 }),
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^verification failed: stdin JSON lacks a positive number 'deadline_seconds'\n$/);
  });
});
