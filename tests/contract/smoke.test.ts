/**
 * Smoke test of the contract-test machinery, WITHOUT the Pulumi program: the setup script, a
 * database with Synapse's required arguments, the OpenID provider (claims, client setup), a
 * libpq password file checked against a server that really asks for passwords, and a real
 * Synapse on each covered version started from hand-written files through the path mapping,
 * with an SSO login of a provisioned user and the refusal of a never-provisioned one.
 * The real contract flow (files and commands recorded from the mocked program) replaces the
 * hand-written config here.
 */
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { stringify } from "yaml";
import { SYNAPSE_PATHS } from "../../render/paths";
import { Browser, inputValues } from "./support/browser";
import { freePort } from "./support/freePort";
import { CONTRACT_SYNAPSE_VERSIONS, WORK_DIR, synapseVenv, venvPython } from "./support/paths";
import { stopAll, runningProcesses } from "./support/processes";
import { PrivatePostgres, startPrivatePostgres } from "./support/privatePostgres";
import { ProviderHandle, startProvider } from "./support/provider";
import { POSTGRES_HOST, POSTGRES_PORT, psql, sqlIdent, sqlLiteral } from "./support/psql";
import { runCommand } from "./support/run";
import { runContractSetup } from "./support/setup";
import { ssoLogin } from "./support/ssoLogin";
import { SynapseFile, SynapseHandle, startSynapse, synapseStartCount } from "./support/synapse";

/** eqmd's container user (EQMD_UID/EQMD_GID); Synapse runs as it when the tests run as root. */
const SYNAPSE_UID = 1001;
const SYNAPSE_GID = 1001;
const AS_ROOT = process.getuid?.() === 0;
const CLIENT_ID = "matrix_synapse_client";
const IDP_ID = "equipemed";
const CLIENT_REDIRECT_URL = "http://localhost:1/contract-client/";
/** The one loopback difference of the provider: no TLS, so the registered callback is http. */
const CALLBACK_ENV = { MATRIX_CALLBACK_SCHEME: "http" };
const RUN_ID = `${process.pid}_${randomBytes(3).toString("hex")}`;

const timings: Array<[string, number]> = [];
let passed = 0;
const cleanups: Array<() => Promise<unknown>> = [];
const runDir = path.join(WORK_DIR, `smoke-${RUN_ID}`);

function timed(label: string, ms: number): void {
  timings.push([label, ms]);
}

async function measure<T>(label: string, action: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await action();
  } finally {
    timed(label, Date.now() - started);
  }
}

interface TestUser {
  username: string;
  password: string;
  localpart?: string;
  publicId: string;
}

describe("contract machinery smoke test (no Pulumi program)", () => {
  let provider: ProviderHandle | undefined;
  let clientSecret = "";
  let alice: TestUser | undefined;
  let bob: TestUser | undefined;
  let carol: TestUser | undefined;
  let privatePg: PrivatePostgres | undefined;

  before(async () => {
    fs.mkdirSync(runDir, { recursive: true });
    const first = await runContractSetup();
    timed("setup script (first run in this test)", first.durationMs);
    const again = await runContractSetup();
    timed("setup script (warm rerun)", again.durationMs);
    assert.match(again.output, /synapse-[\d.]+ +cached/, again.output);
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error(`cleanup failed: ${String(error)}`));
    }
    await stopAll();
    const leftovers = await psql(
      `SELECT datname FROM pg_database WHERE datname LIKE ${sqlLiteral(`eqmdct_${RUN_ID}%`)}
       UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE ${sqlLiteral(`eqmdct_${RUN_ID}%`)}`,
    ).catch((error: unknown) => `(could not check: ${String(error)})`);
    const width = Math.max(...timings.map(([label]) => label.length));
    console.log(
      [
        "",
        "phase timings:",
        ...timings.map(([label, ms]) => `  ${label.padEnd(width)}  ${(ms / 1000).toFixed(1)}s`),
      ].join("\n"),
    );
    console.log(`Synapse launches in this run: ${synapseStartCount()}`);
    assert.equal(runningProcesses().length, 0, "processes left running after teardown");
    assert.equal(leftovers, "", `databases/roles left behind: ${leftovers}`);
    if (passed === 2 + CONTRACT_SYNAPSE_VERSIONS.length) {
      fs.rmSync(runDir, { recursive: true, force: true });
    } else {
      console.log(`kept for inspection (logs, configs): ${runDir}`);
    }
  });

  test("OpenID provider: discovery, RSA key, Synapse client, eqmd claims", async () => {
    const dataDir = path.join(runDir, "provider");
    const port = await freePort();
    provider = await measure("provider: migrate + start to discovery", () => startProvider(dataDir, port));
    cleanups.push(() => provider?.stop() ?? Promise.resolve());
    assert.equal(provider.issuer, `http://127.0.0.1:${port}/o`);

    const emptyJwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: unknown[] };
    assert.deepEqual(emptyJwks.keys, [], "no RSA key before creatersakey");
    const rsa = await provider.manage(["creatersakey"]);
    assert.match(rsa.stdout, /^RSA key successfully created with kid: \w+$/m);
    const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: Array<Record<string, string>> };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0].kty, "RSA");
    assert.equal(jwks.keys[0].alg, "RS256");

    // Each Synapse below gets its own port and adds its redirect URI to this client.
    const fqdn = `127.0.0.1:${await freePort()}`;
    const env = CALLBACK_ENV;
    const setup = await provider.manage(
      ["setup_synapse_oidc_client", "--client-id", CLIENT_ID, "--matrix-fqdn", fqdn],
      env,
    );
    clientSecret = parseClientSecret(setup.stdout);
    assert.match(clientSecret, /^[A-Za-z0-9_-]{43}$/);
    assert.match(setup.stdout, /^✓ Created new OIDC client 'matrix_synapse_client'$/m);
    assert.match(setup.stdout, /^Redirect URI: http:\/\/127\.0\.0\.1:\d+\/_synapse\/client\/oidc\/callback$/m);
    assert.match(setup.stdout, /^ {4}client_secret: "[A-Za-z0-9_-]{43}"$/m);
    assert.match(setup.stdout, /^SYNAPSE_OIDC_PROVIDER_ID=equipemed$/m);

    const again = await provider.manage(
      ["setup_synapse_oidc_client", "--client-id", CLIENT_ID, "--matrix-fqdn", fqdn],
      env,
    );
    assert.equal(parseClientSecret(again.stdout), clientSecret, "a rerun keeps the secret");
    assert.match(again.stdout, /^✓ Found existing OIDC client 'matrix_synapse_client'$/m);
    assert.match(again.stdout, /^ {2}- Client secret: using existing$/m);
    assert.match(again.stdout, /^ {2}- Redirect URI: redirect URI already configured$/m);

    alice = await createUser(provider, "alice", [
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
    alice.localpart = "alice.doc";
    bob = await createUser(provider, "bob", ["--email", "bob@hospital.test"]);
    carol = await createUser(provider, "carol", ["--matrix-localpart", "carol"]);

    const redirectUri = `http://${fqdn}/_synapse/client/oidc/callback`;
    const aliceClaims = await codeFlowUserinfo(provider, alice, clientSecret, redirectUri);
    assert.deepEqual(
      { ...aliceClaims },
      {
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
      },
    );
    const bobClaims = await codeFlowUserinfo(provider, bob, clientSecret, redirectUri);
    assert.equal(bobClaims.sub, bob.publicId);
    assert.equal(bobClaims.name, "bob@hospital.test", "name falls back to the email");
    assert.equal(bobClaims.eqmd_role, "unknown");
    assert.ok(!("matrix_localpart" in bobClaims), "no matrix_localpart claim when it is not set");
    passed += 1;
  });

  test("libpq password file (database.args.passfile) authenticates with psycopg2 on every Synapse version", async () => {
    privatePg = await measure("private scram PostgreSQL: initdb + start", () => startPrivatePostgres(runDir));
    cleanups.push(() => privatePg?.stop() ?? Promise.resolve());
    const role = "probe_synapse";
    const password = `p:w\\${randomBytes(12).toString("base64url")}`; // ':' and '\' must be escaped in the file
    await privatePg.sql(
      `CREATE ROLE ${sqlIdent(role)} LOGIN PASSWORD ${sqlLiteral(password)};
       CREATE DATABASE probe_db OWNER ${sqlIdent(role)} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;`,
    );
    const dir = path.join(runDir, "passfile-probe");
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const writePassfile = (name: string, secret: string, mode: number): string => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, pgpassLine(privatePg?.port ?? 0, "probe_db", role, secret), { mode });
      fs.chmodSync(file, mode);
      if (AS_ROOT) {
        fs.chownSync(file, SYNAPSE_UID, SYNAPSE_GID);
      }
      return file;
    };
    const good = writePassfile("pgpass", password, 0o600);
    const wrong = writePassfile("pgpass-wrong", "not-the-password", 0o600);
    const open = writePassfile("pgpass-world-readable", password, 0o644);

    for (const version of CONTRACT_SYNAPSE_VERSIONS) {
      const probe = (passfile: string | undefined) =>
        connectProbe(synapseVenv(version), {
          user: role,
          database: "probe_db",
          host: "127.0.0.1",
          port: privatePg?.port ?? 0,
          ...(passfile ? { passfile } : {}),
          cp_min: 1,
          cp_max: 2,
        });
      assert.equal(await probe(good), `OK ${role}`, `Synapse ${version}: passfile accepted`);
      assert.match(await probe(wrong), /password authentication failed/, `Synapse ${version}: a wrong password fails`);
      assert.match(await probe(undefined), /no password supplied/, `Synapse ${version}: without passfile`);
      assert.match(
        await probe(open),
        /no password supplied/,
        `Synapse ${version}: libpq ignores a group/world-readable passfile`,
      );
    }
    await privatePg.stop();
    passed += 1;
  });

  for (const version of CONTRACT_SYNAPSE_VERSIONS) {
    test(`Synapse ${version}: starts once from mapped files, lists oidc-${IDP_ID}, SSO login`, async () => {
      assert.ok(provider && alice && carol && clientSecret, "the provider step must have passed");
      const tag = version.replace(/\./g, "_");
      const role = `eqmdct_${RUN_ID}_${tag}`;
      const database = role;
      const rolePassword = randomBytes(24).toString("base64url");
      await measure(`Synapse ${version}: role + database`, () =>
        psql(
          `CREATE ROLE ${sqlIdent(role)} LOGIN PASSWORD ${sqlLiteral(rolePassword)};
           CREATE DATABASE ${sqlIdent(database)} OWNER ${sqlIdent(role)} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;`,
        ),
      );
      cleanups.push(() =>
        psql(`DROP DATABASE IF EXISTS ${sqlIdent(database)} WITH (FORCE); DROP ROLE IF EXISTS ${sqlIdent(role)};`),
      );
      assert.equal(
        await psql(
          `SELECT pg_encoding_to_char(encoding), datcollate, datctype, pg_get_userbyid(datdba) FROM pg_database WHERE datname = ${sqlLiteral(database)}`,
        ),
        `UTF8|C|C|${role}`,
      );

      const synapsePort = await freePort();
      const serverName = `127.0.0.1:${synapsePort}`;
      const added = await provider.manage(
        ["setup_synapse_oidc_client", "--client-id", CLIENT_ID, "--matrix-fqdn", serverName],
        CALLBACK_ENV,
      );
      assert.match(added.stdout, /^ {2}- Redirect URI: added new redirect URI$/m);
      assert.equal(parseClientSecret(added.stdout), clientSecret, "adding a redirect URI keeps the secret");
      const owner = AS_ROOT ? { uid: SYNAPSE_UID, gid: SYNAPSE_GID } : undefined;
      const sharedSecret = randomBytes(32).toString("base64url");
      const files = smokeFiles({
        sharedSecret,
        serverName,
        publicBaseUrl: `http://${serverName}/`,
        issuer: provider.issuer,
        clientSecret,
        database,
        role,
        rolePassword,
        owner,
      });
      const before = synapseStartCount();
      const synapse: SynapseHandle = await startSynapse({
        venv: synapseVenv(version),
        files,
        configPaths: [SYNAPSE_PATHS.homeserver, SYNAPSE_PATHS.secrets],
        port: synapsePort,
        env: { PYTHONPATH: SYNAPSE_PATHS.modulesDir, SYNAPSE_REPORT_STATS: "no" },
        mounts: { [SYNAPSE_PATHS.mediaStore]: path.join(runDir, `media-${tag}`) },
        runAs: owner,
        root: fs.mkdtempSync(path.join(runDir, `synapse-${tag}-`)),
      });
      cleanups.push(() => synapse.stop());
      try {
        timed(`Synapse ${version}: config check`, synapse.configCheckMs);
        timed(`Synapse ${version}: launch to /health 200`, synapse.startupMs);
        assert.match(synapse.configCheck, /Config parses OK!/);
        assert.equal(synapseStartCount() - before, 1, "Synapse started exactly once");
        if (owner) {
          const stat = fs.statSync(synapse.hostPath(SYNAPSE_PATHS.pgpass));
          assert.equal(stat.uid, SYNAPSE_UID);
          assert.equal(stat.mode & 0o777, 0o600);
          const pid = synapse.process.pid;
          const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
          assert.match(status, new RegExp(`^Uid:\\s+${SYNAPSE_UID}\\s`, "m"), "Synapse runs as the container UID");
        }

        const login = (await (await fetch(`${synapse.baseUrl}/_matrix/client/v3/login`)).json()) as {
          flows: Array<{ type: string; identity_providers?: Array<{ id: string }> }>;
        };
        const sso = login.flows.find((flow) => flow.type === "m.login.sso");
        assert.deepEqual(
          sso?.identity_providers?.map((idp) => idp.id),
          [`oidc-${IDP_ID}`],
        );
        assert.ok(login.flows.some((flow) => flow.type === "m.login.token"));

        await measure(`Synapse ${version}: provision + SSO login + refusal`, async () => {
          const adminToken = await registerAdmin(synapse.baseUrl, sharedSecret, serverName);
          const aliceId = `@${alice?.localpart}:${serverName}`;
          const put = await fetch(`${synapse.baseUrl}/_synapse/admin/v2/users/${encodeURIComponent(aliceId)}`, {
            method: "PUT",
            headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
            body: JSON.stringify({
              admin: false,
              deactivated: false,
              displayname: "Alice Doe",
              external_ids: [{ auth_provider: `oidc-${IDP_ID}`, external_id: alice?.publicId }],
            }),
          });
          assert.ok(put.status === 200 || put.status === 201, `admin PUT: ${put.status} ${await put.text()}`);

          const outcome = await ssoLogin({
            synapseUrl: synapse.baseUrl,
            idpId: `oidc-${IDP_ID}`,
            clientRedirectUrl: CLIENT_REDIRECT_URL,
            username: alice?.username ?? "",
            password: alice?.password ?? "",
          });
          assert.equal(
            outcome.kind,
            "loginToken",
            outcome.kind === "refused" ? `${outcome.page.status} ${outcome.page.body.slice(0, 400)}` : "",
          );
          if (outcome.kind !== "loginToken") {
            return;
          }
          const token = await matrixTokenLogin(synapse.baseUrl, outcome.loginToken);
          const whoami = (await (
            await fetch(`${synapse.baseUrl}/_matrix/client/v3/account/whoami`, {
              headers: { authorization: `Bearer ${token}` },
            })
          ).json()) as { user_id: string };
          assert.equal(whoami.user_id, aliceId);

          const refused = await ssoLogin({
            synapseUrl: synapse.baseUrl,
            idpId: `oidc-${IDP_ID}`,
            clientRedirectUrl: CLIENT_REDIRECT_URL,
            username: carol?.username ?? "",
            password: carol?.password ?? "",
          });
          assert.equal(refused.kind, "refused", "a never-provisioned user must not get a login token");
          if (refused.kind === "refused") {
            assert.equal(refused.page.status, 400, `refusal page: ${refused.page.body.slice(0, 300)}`);
          }
          assert.match(
            fs.readFileSync(synapse.process.logFile, "utf8"),
            /User does not exist and registrations? (are|is) disabled/,
            "refused because the user was never provisioned (enable_registration: false)",
          );
        });
      } finally {
        await synapse.stop();
      }
      const log = fs.readFileSync(synapse.process.logFile, "utf8");
      assert.doesNotMatch(log, /Error while (initialising|preloading) OIDC provider/);
      assert.ok(fs.existsSync(synapse.hostPath("/data/homeserver.log")), "log_config's /data path was mapped");
      passed += 1;
    });
  }
});

function parseClientSecret(output: string): string {
  const line = output.split(/\r?\n/).find((l) => l.startsWith("SYNAPSE_OIDC_CLIENT_SECRET="));
  if (!line) {
    throw new Error(`no SYNAPSE_OIDC_CLIENT_SECRET= line in:\n${output}`);
  }
  return line.slice(line.indexOf("=") + 1).trim();
}

async function createUser(provider: ProviderHandle, username: string, extra: string[]): Promise<TestUser> {
  const password = `pw-${randomBytes(9).toString("base64url")}`;
  const result = await provider.manage(["create_test_user", "--username", username, "--password", password, ...extra]);
  const match = /^PUBLIC_ID=([0-9a-f-]{36})$/m.exec(result.stdout);
  assert.ok(match, `create_test_user output: ${result.stdout}`);
  return { username, password, publicId: match[1] };
}

/** Authorization-code flow straight against the provider; returns what /o/userinfo says. */
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

function pgpassLine(port: number, database: string, user: string, password: string): string {
  const escape = (field: string) => field.replace(/[\\:]/g, (c) => `\\${c}`);
  return `${[POSTGRES_HOST, String(port), database, user, password].map(escape).join(":")}\n`;
}

/** Opens a connection with psycopg2 from a Synapse venv, as Synapse does (args minus cp_*). */
async function connectProbe(venv: string, args: Record<string, string | number>): Promise<string> {
  const script = [
    "import json, sys",
    "import psycopg2",
    "args = {k: v for k, v in json.load(sys.stdin).items() if not k.startswith('cp_')}",
    "try:",
    "    conn = psycopg2.connect(**args)",
    "except psycopg2.OperationalError as error:",
    "    print('ERROR ' + ' '.join(str(error).split()))",
    "    sys.exit(0)",
    "cur = conn.cursor()",
    "cur.execute('SELECT current_user')",
    "print('OK ' + cur.fetchone()[0])",
  ].join("\n");
  const prefix = AS_ROOT ? ["setpriv", `--reuid=${SYNAPSE_UID}`, `--regid=${SYNAPSE_GID}`, "--clear-groups", "--"] : [];
  const result = await runCommand([...prefix, venvPython(venv), "-c", script], {
    input: JSON.stringify(args),
    env: { PGPASSWORD: "", PGPASSFILE: "/nonexistent" },
    cwd: "/",
  });
  return result.stdout.trim();
}

interface SmokeConfig {
  sharedSecret: string;
  serverName: string;
  publicBaseUrl: string;
  issuer: string;
  clientSecret: string;
  database: string;
  role: string;
  rolePassword: string;
  owner?: { uid: number; gid: number };
}

/** Hand-written stand-ins for the files the Synapse container receives (the program renders the real ones). */
function smokeFiles(config: SmokeConfig): Record<string, SynapseFile> {
  const homeserver = {
    server_name: config.serverName,
    public_baseurl: config.publicBaseUrl,
    pid_file: "/data/homeserver.pid",
    listeners: [
      { port: 8008, tls: false, type: "http", x_forwarded: true, resources: [{ names: ["client"], compress: false }] },
    ],
    database: {
      name: "psycopg2",
      args: {
        user: config.role,
        database: config.database,
        host: POSTGRES_HOST,
        port: POSTGRES_PORT,
        passfile: SYNAPSE_PATHS.pgpass,
        cp_min: 1,
        cp_max: 5,
      },
    },
    log_config: SYNAPSE_PATHS.logConfig,
    media_store_path: SYNAPSE_PATHS.mediaStore,
    signing_key_path: SYNAPSE_PATHS.signingKey,
    report_stats: false,
    enable_registration: false,
    password_config: { enabled: false },
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    federation_domain_whitelist: [],
    sso: { client_whitelist: [CLIENT_REDIRECT_URL] },
    oidc_providers: [
      {
        idp_id: IDP_ID,
        idp_name: "EquipeMed",
        discover: true,
        issuer: config.issuer,
        client_id: CLIENT_ID,
        client_secret_path: SYNAPSE_PATHS.oidcClientSecret,
        scopes: ["openid", "profile", "email"],
        skip_verification: true,
        allow_existing_users: true,
        enable_registration: false,
        user_profile_method: "userinfo_endpoint",
        user_mapping_provider: {
          config: {
            localpart_template: "{{ user.matrix_localpart }}",
            display_name_template: "{{ user.name }}",
          },
        },
      },
    ],
  };
  const secrets = {
    registration_shared_secret: config.sharedSecret,
    macaroon_secret_key: randomBytes(32).toString("base64url"),
    form_secret: randomBytes(32).toString("base64url"),
  };
  const logConfig = {
    version: 1,
    formatters: { precise: { format: "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s" } },
    handlers: {
      console: { class: "logging.StreamHandler", formatter: "precise" },
      file: { class: "logging.FileHandler", filename: "/data/homeserver.log", formatter: "precise" },
    },
    root: { level: "INFO", handlers: ["console", "file"] },
    disable_existing_loggers: false,
  };
  const owner = config.owner;
  return {
    [SYNAPSE_PATHS.homeserver]: { content: stringify(homeserver), mode: 0o644, owner },
    [SYNAPSE_PATHS.secrets]: { content: stringify(secrets), mode: 0o600, owner },
    [SYNAPSE_PATHS.logConfig]: { content: stringify(logConfig), mode: 0o644, owner },
    [SYNAPSE_PATHS.signingKey]: { content: signingKey(), mode: 0o600, owner },
    [SYNAPSE_PATHS.pgpass]: {
      content: pgpassLine(POSTGRES_PORT, config.database, config.role, config.rolePassword),
      mode: 0o600,
      owner,
    },
    [SYNAPSE_PATHS.oidcClientSecret]: { content: `${config.clientSecret}\n`, mode: 0o600, owner },
  };
}

/** A Synapse signing key file: "ed25519 <key id> <unpadded base64 of the 32-byte seed>". */
function signingKey(): string {
  const { privateKey } = generateKeyPairSync("ed25519");
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  const seed = der.subarray(der.length - 32);
  return `ed25519 a_${randomBytes(2).toString("hex")} ${seed.toString("base64").replace(/=+$/, "")}\n`;
}

/** Shared-secret registration of an admin (nonce + HMAC-SHA1); returns its access token. */
async function registerAdmin(baseUrl: string, secret: string, serverName: string): Promise<string> {
  const { nonce } = (await (await fetch(`${baseUrl}/_synapse/admin/v1/register`)).json()) as { nonce: string };
  const username = "contract_admin";
  const password = randomBytes(18).toString("base64url");
  const mac = createHmac("sha1", secret).update([nonce, username, password, "admin"].join("\0")).digest("hex");
  const response = await fetch(`${baseUrl}/_synapse/admin/v1/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ nonce, username, password, admin: true, mac }),
  });
  const body = (await response.json()) as { access_token?: string; user_id?: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.user_id, `@${username}:${serverName}`);
  return body.access_token ?? "";
}

async function matrixTokenLogin(baseUrl: string, loginToken: string): Promise<string> {
  const response = await fetch(`${baseUrl}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "m.login.token", token: loginToken }),
  });
  const body = (await response.json()) as { access_token?: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.access_token ?? "";
}
