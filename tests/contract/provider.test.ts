/**
 * The stand-ins the contract relies on behave like the real things they replace: the setup
 * script is idempotent, and the Django OpenID provider behaves like eqmd's (discovery and issuer,
 * creatersakey, `setup_synapse_oidc_client`'s output, eqmd's claims, `setup_matrix_bot`'s
 * refusal without a token). The flow (flow.test.ts) then drives the declared commands against it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { parseClientSecret } from "../../components/commands/parse";
import { Browser, inputValues } from "./support/browser";
import { freePort } from "./support/freePort";
import { WORK_DIR } from "./support/paths";
import { runningProcesses, stopAll } from "./support/processes";
import { ProviderHandle, startProvider } from "./support/provider";
import { runContractSetup } from "./support/setup";
import { addRedirectUriCode, parseStoredRedirectUris, storedRedirectUrisCode } from "./support/redirectUris";
import { redirectUrisCode } from "../../components/commands/oidcClientCommand";

const CLIENT_ID = "matrix_synapse_client";
/** The provider's one loopback difference: no TLS, so the registered callback is http. */
const runDir = path.join(WORK_DIR, `provider-${process.pid}`);

interface TestUser {
  username: string;
  password: string;
  publicId: string;
}

describe("contract stand-ins: setup script and eqmd-like OpenID provider", () => {
  let provider: ProviderHandle | undefined;
  let clientSecret = "";
  let redirectUri = "";
  let passed = 0;

  before(() => fs.mkdirSync(runDir, { recursive: true }));

  after(async () => {
    await provider?.stop();
    await stopAll();
    assert.deepEqual(runningProcesses(), [], "processes left running after teardown");
    if (passed === 5) fs.rmSync(runDir, { recursive: true, force: true });
    else console.log(`kept for inspection: ${runDir}`);
  });

  test("testbed/setup/contract-setup.sh is idempotent: a rerun finds every venv cached", async () => {
    const again = await runContractSetup();
    assert.match(again.output, /synapse-[\d.]+ +cached/, again.output);
    assert.match(again.output, /provider +cached/, again.output);
    passed += 1;
  });

  test("discovery names the issuer built from the request; JWKS is empty until creatersakey adds one RS256 key", async () => {
    const port = await freePort();
    provider = await startProvider(path.join(runDir, "data"), port);
    assert.equal(provider.issuer, `http://127.0.0.1:${port}/o`);
    const empty = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: unknown[] };
    assert.deepEqual(empty.keys, []);
    const created = await provider.manage(["creatersakey"]);
    assert.match(created.stdout, /^RSA key successfully created with kid: \w+$/m);
    const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: Array<Record<string, string>> };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0].kty, "RSA");
    assert.equal(jwks.keys[0].alg, "RS256");
    passed += 1;
  });

  test("setup_synapse_oidc_client prints eqmd's output; a rerun keeps the secret; a new host adds its redirect URI", async () => {
    const running = need(provider);
    const fqdn = `127.0.0.1:${await freePort()}`;
    // eqmd registers https:// only; the code flow below runs over http (no TLS on loopback).
    redirectUri = `http://${fqdn}/_synapse/client/oidc/callback`;
    const args = ["setup_synapse_oidc_client", "--client-id", CLIENT_ID, "--matrix-fqdn", fqdn];
    const setup = await running.manage(args);
    clientSecret = parseClientSecret(setup.stdout);
    assert.match(clientSecret, /^[A-Za-z0-9_-]{43}$/);
    assert.match(setup.stdout, /^Setting up OIDC client for Matrix Synapse\.\.\.$/m);
    assert.match(setup.stdout, /^✓ Created new OIDC client 'matrix_synapse_client'$/m);
    const registered = `https://${fqdn}/_synapse/client/oidc/callback`;
    assert.match(setup.stdout, new RegExp(`^Redirect URI: ${registered.replace(/\./g, "\\.")}$`, "m"));
    assert.match(setup.stdout, /^ {2}- Client secret: generated new$/m);
    assert.match(setup.stdout, /^ {4}client_secret: "[A-Za-z0-9_-]{43}"$/m);
    assert.match(setup.stdout, /^SYNAPSE_OIDC_PROVIDER_ID=equipemed$/m);
    assert.match(setup.stdout, /^✓ Synapse OIDC client setup complete!$/m);

    await running.manage(["shell", "-c", addRedirectUriCode(CLIENT_ID, redirectUri)]);
    const stored = async () =>
      parseStoredRedirectUris((await running.manage(["shell", "-c", storedRedirectUrisCode(CLIENT_ID)])).stdout);
    assert.equal(await stored(), `${registered}\n${redirectUri}`, "the operator's URI on a line of its own");

    const again = await running.manage(args);
    assert.equal(parseClientSecret(again.stdout), clientSecret);
    assert.match(again.stdout, /^✓ Found existing OIDC client 'matrix_synapse_client'$/m);
    assert.match(again.stdout, /^ {2}- Client secret: using existing$/m);
    assert.match(again.stdout, /^ {2}- Redirect URI: redirect URI already configured$/m);

    const otherFqdn = `127.0.0.1:${await freePort()}`;
    const other = await running.manage([
      "setup_synapse_oidc_client",
      "--client-id",
      CLIENT_ID,
      "--matrix-fqdn",
      otherFqdn,
    ]);
    assert.match(other.stdout, /^ {2}- Redirect URI: added new redirect URI$/m);
    assert.equal(parseClientSecret(other.stdout), clientSecret, "adding a redirect URI keeps the secret");
    // eqmd's joining: every URI on one line, separated by spaces (the library splits on new lines).
    const otherUri = `https://${otherFqdn}/_synapse/client/oidc/callback`;
    assert.equal(await stored(), `${registered} ${redirectUri} ${otherUri}`);
    // The program's repair (the OIDC step runs it after eqmd's command): one a line again.
    const repaired = await running.manage(["shell", "-c", redirectUrisCode(CLIENT_ID, otherUri)]);
    assert.match(repaired.stdout, /3 redirect URI\(s\), one a line \(eqmd's space-joined list repaired\)/);
    assert.equal(await stored(), `${registered}\n${redirectUri}\n${otherUri}`);
    passed += 1;
  });

  test("userinfo carries eqmd's claims: sub = public_id, name, preferred_username, eqmd_active, eqmd_role, matrix_localpart only when set", async () => {
    const running = need(provider);
    const alice = await createUser(running, "alice", [
      "--matrix-localpart",
      "Alice.Doc",
      "--email",
      "alice@hospital.test",
      "--first-name",
      "Alice",
      "--last-name",
      "Doe",
      "--role",
      "nurse",
    ]);
    const bob = await createUser(running, "bob", ["--email", "bob@hospital.test"]);
    assert.deepEqual(await codeFlowUserinfo(running, alice, clientSecret, redirectUri), {
      sub: alice.publicId,
      name: "Alice Doe",
      given_name: "Alice",
      family_name: "Doe",
      nickname: "alice",
      preferred_username: "alice@hospital.test",
      email: "alice@hospital.test",
      eqmd_active: true,
      eqmd_role: "nurse",
      matrix_localpart: "alice.doc",
    });
    const bobClaims = await codeFlowUserinfo(running, bob, clientSecret, redirectUri);
    assert.equal(bobClaims.sub, bob.publicId);
    assert.equal(bobClaims.name, "bob@hospital.test", "name falls back to the email");
    assert.equal(bobClaims.eqmd_role, "unknown");
    assert.ok(!("matrix_localpart" in bobClaims), "no matrix_localpart claim when it is not set");
    passed += 1;
  });

  test("setup_matrix_bot refuses to run without SYNAPSE_ADMIN_TOKEN (as eqmd's)", async () => {
    const running = need(provider);
    const result = await running.manage(["setup_matrix_bot"], { SYNAPSE_ADMIN_TOKEN: "" }).then(
      () => "exit 0",
      (error: unknown) => String(error),
    );
    assert.match(result, /SYNAPSE_ADMIN_TOKEN is not set/);
    passed += 1;
  });
});

function need(provider: ProviderHandle | undefined): ProviderHandle {
  if (!provider) throw new Error("the provider did not start (earlier test)");
  return provider;
}

async function createUser(provider: ProviderHandle, username: string, extra: string[]): Promise<TestUser> {
  const password = `pw-${randomBytes(9).toString("base64url")}`;
  const result = await provider.manage(["create_test_user", "--username", username, "--password", password, ...extra]);
  const match = /^PUBLIC_ID=([0-9a-f-]{36})$/m.exec(result.stdout);
  assert.ok(match, `create_test_user output: ${result.stdout}`);
  return { username, password, publicId: match[1] };
}

/** Authorization-code flow straight against the provider (as Synapse does); returns /o/userinfo. */
async function codeFlowUserinfo(
  provider: ProviderHandle,
  user: TestUser,
  secret: string,
  redirectUri: string,
): Promise<Record<string, unknown>> {
  const browser = new Browser();
  const authorize =
    `${provider.issuer}/authorize?` +
    new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: "code",
      scope: "openid profile email",
      redirect_uri: redirectUri,
      state: "s",
      nonce: "n",
    }).toString();
  const stopAt = (url: URL): boolean => url.toString().startsWith(redirectUri);
  const loginPage = await browser.navigate(authorize, { stopAt });
  assert.equal(loginPage.page.status, 200, `login page: ${loginPage.chain.join(" -> ")}`);
  const done = await browser.navigate(loginPage.page.url, {
    form: { ...inputValues(loginPage.page.body), username: user.username, password: user.password },
    stopAt,
  });
  const code = done.stoppedAt?.searchParams.get("code");
  assert.ok(code, `no code: ${done.page.status} ${done.page.body.slice(0, 300)}`);
  const token = await fetch(`${provider.issuer}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri }).toString(),
  });
  const tokens = (await token.json()) as { access_token?: string; id_token?: string };
  assert.ok(tokens.access_token && tokens.id_token, `token endpoint: ${JSON.stringify(tokens)}`);
  const header = JSON.parse(Buffer.from(tokens.id_token.split(".")[0], "base64url").toString()) as { alg: string };
  assert.equal(header.alg, "RS256");
  const userinfo = await fetch(`${provider.issuer}/userinfo`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  assert.equal(userinfo.status, 200);
  return (await userinfo.json()) as Record<string, unknown>;
}
