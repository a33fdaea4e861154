import { after, afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import {
  ADMIN_BOOTSTRAP_ENV,
  scriptCommand,
  type AdminBootstrapInput,
} from "../../../components/commands/pythonScripts";
import { scriptStdin } from "../../support/pythonScripts";
import { parseAdminBootstrap } from "../../../components/commands/parse";
import { FakeSynapse, closedPort } from "./support/fakeSynapse";
import { fakeDockerCalls, runShell, tempDir, writeFakeDocker } from "./support/run";

const SHARED = "fake-shared-secret";
const PASSWORD = "Adm1n-Passw0rd-not-in-logs";
const ADMIN = "@admin:matrix.test.local";
const HOST_LINE = scriptCommand("admin_bootstrap", { command: [] }, ADMIN_BOOTSTRAP_ENV);

function input(syn: FakeSynapse, over: Partial<AdminBootstrapInput> = {}): AdminBootstrapInput {
  return {
    base_url: syn.baseUrl,
    shared_secret: SHARED,
    username: "admin",
    password: PASSWORD,
    server_name: syn.serverName,
    deadline_seconds: 10,
    ...over,
  };
}

function run(inp: AdminBootstrapInput, previousStdout?: string, line = HOST_LINE) {
  return runShell(line, {
    stdin: scriptStdin("admin_bootstrap", inp),
    env: previousStdout === undefined ? {} : { PULUMI_COMMAND_STDOUT: previousStdout },
  });
}

/** Neither stream may carry a secret the script handled. */
function assertNoSecretsIn(text: string, ...secrets: string[]): void {
  for (const s of [SHARED, PASSWORD, ...secrets]) assert.ok(!text.includes(s), `a secret leaked into: ${text}`);
}

describe("admin_bootstrap.py against a fake Synapse", () => {
  let syn: FakeSynapse;
  beforeEach(async () => {
    syn = new FakeSynapse({ sharedSecret: SHARED });
    await syn.start();
  });
  afterEach(async () => syn.stop());

  it("registers the admin on first run and prints one JSON line", async () => {
    const r = await run(input(syn));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split("\n").length, 1);
    const result = parseAdminBootstrap(r.stdout);
    assert.equal(result.userId, ADMIN);
    assert.ok(result.deviceId);
    assert.equal(syn.actingUser(result.accessToken), ADMIN);
    assert.equal(syn.users.get(ADMIN)?.admin, true);
    assert.match(r.stderr, /registered @admin:matrix.test.local as a server admin/);
    assertNoSecretsIn(r.stderr, result.accessToken);
  });

  it("reuses a still-valid previous token: same output, no registration", async () => {
    const first = await run(input(syn));
    const registrations = syn.count("POST", "/_synapse/admin/v1/register");
    const second = await run(input(syn), first.stdout.trimEnd());
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(syn.count("POST", "/_synapse/admin/v1/register"), registrations);
    assert.match(second.stderr, /still valid and admin; reusing it/);
  });

  it("recovers when the admin exists and no usable token is at hand (helper admin, login-as-user)", async () => {
    const first = parseAdminBootstrap((await run(input(syn))).stdout);
    syn.tokens.delete(first.accessToken); // e.g. the token was revoked, or state was lost
    const r = await run(
      input(syn),
      JSON.stringify({ user_id: ADMIN, access_token: first.accessToken, device_id: first.deviceId }),
    );
    assert.equal(r.code, 0, r.stderr);
    const result = parseAdminBootstrap(r.stdout);
    assert.equal(result.userId, ADMIN);
    assert.equal(syn.actingUser(result.accessToken), ADMIN);
    assert.equal(result.deviceId, "");
    assertNoSecretsIn(r.stderr, result.accessToken, first.accessToken);

    const helpers = [...syn.users.keys()].filter((u) => /^@admin-bootstrap-[0-9a-f]{8}:matrix\.test\.local$/.test(u));
    assert.equal(helpers.length, 1);
    const helper = syn.users.get(helpers[0]);
    assert.deepEqual(
      { admin: helper?.admin, locked: helper?.locked, deactivated: helper?.deactivated },
      { admin: false, locked: true, deactivated: false },
    );
    const helperOwnTokens = [...syn.tokens.values()].filter((t) => t.owner === helpers[0] && !t.puppets);
    assert.equal(helperOwnTokens.length, 0, "the helper's own device token should be logged out");
    assert.match(r.stderr, /do not deactivate it/);

    // Why the helper is locked rather than deactivated: Synapse deletes a deactivated user's
    // tokens, including the puppet token it issued for the admin.
    syn.deactivate(helpers[0]);
    assert.equal(syn.actingUser(result.accessToken), undefined);
  });

  it("recovers with no previous output at all (Command replaced), and re-promotes a demoted admin", async () => {
    syn.addUser(ADMIN, { admin: false, password: "whatever" });
    const r = await run(input(syn));
    assert.equal(r.code, 0, r.stderr);
    const result = parseAdminBootstrap(r.stdout);
    assert.equal(syn.actingUser(result.accessToken), ADMIN);
    assert.equal(syn.users.get(ADMIN)?.admin, true);
    assert.match(r.stderr, /was not a server admin; promoted it/);
  });

  it("does not reuse a previous token that lost admin rights", async () => {
    const first = parseAdminBootstrap((await run(input(syn))).stdout);
    (syn.users.get(ADMIN) as { admin: boolean }).admin = false;
    const r = await run(
      input(syn),
      JSON.stringify({ user_id: ADMIN, access_token: first.accessToken, device_id: first.deviceId }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /previous token is not usable/);
    assert.notEqual(parseAdminBootstrap(r.stdout).accessToken, first.accessToken);
    assert.equal(syn.users.get(ADMIN)?.admin, true);
  });

  it("logs in with the password instead of a helper when Synapse offers password login", async () => {
    syn.passwordLogin = true;
    syn.addUser(ADMIN, { admin: true, password: PASSWORD });
    const r = await run(input(syn));
    assert.equal(r.code, 0, r.stderr);
    const result = parseAdminBootstrap(r.stdout);
    assert.ok(result.deviceId);
    assert.equal(syn.actingUser(result.accessToken), ADMIN);
    assert.equal([...syn.users.keys()].filter((u) => u.includes("-bootstrap-")).length, 0);
  });

  it("fails clearly on a wrong shared secret (403 HMAC incorrect)", async () => {
    const wrong = "wrong-shared-secret-value";
    const r = await run(input(syn, { shared_secret: wrong }));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /rejected the registration MAC \(HTTP 403 M_UNKNOWN 'HMAC incorrect'\): the shared secret given to this command is not the registration_shared_secret/,
    );
    assert.equal(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("admin bootstrap failed")).length,
      1,
    );
    assertNoSecretsIn(r.stderr, wrong);
  });

  it("fails clearly when shared-secret registration is not enabled", async () => {
    syn.sharedSecret = null;
    const r = await run(input(syn));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Synapse refused shared-secret registration .*'Shared secret registration is not enabled'.*no registration_shared_secret/,
    );
  });

  it("rejects bad stdin with a one-line reason", async () => {
    const r = await runShell(HOST_LINE, { stdin: scriptStdin("admin_bootstrap", { base_url: syn.baseUrl }) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^admin bootstrap failed: stdin JSON lacks a non-empty string 'shared_secret'\n$/);
  });

  it("passes PULUMI_COMMAND_STDOUT through a docker-style exec prefix by name only", async () => {
    const dir = tempDir("fake-docker");
    try {
      const docker = writeFakeDocker(dir);
      const line = scriptCommand(
        "admin_bootstrap",
        { command: [docker, "exec", "-i"], container: "eqmd_matrix_synapse" },
        ADMIN_BOOTSTRAP_ENV,
      );
      const first = await run(input(syn), undefined, line);
      assert.equal(first.code, 0, first.stderr);
      const second = await run(input(syn), first.stdout.trimEnd(), line);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stdout, first.stdout);
      assert.match(second.stderr, /reusing it/);
      const token = parseAdminBootstrap(first.stdout).accessToken;
      for (const argv of fakeDockerCalls(dir)) {
        assert.deepEqual(argv.slice(0, 5), ["exec", "-i", "-e", "PULUMI_COMMAND_STDOUT", "eqmd_matrix_synapse"]);
        assertNoSecretsIn(argv.join(" "), token);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("admin_bootstrap.py waiting for Synapse", () => {
  const late = new FakeSynapse({ sharedSecret: SHARED });
  after(async () => late.stop());

  it("retries connection errors until Synapse answers", async () => {
    const port = await closedPort();
    const timer = setTimeout(() => void late.start(port), 1500);
    const r = await runShell(HOST_LINE, {
      stdin: scriptStdin("admin_bootstrap", {
        base_url: `http://127.0.0.1:${port}`,
        shared_secret: SHARED,
        username: "admin",
        password: PASSWORD,
        server_name: late.serverName,
        deadline_seconds: 20,
      }),
    });
    clearTimeout(timer);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parseAdminBootstrap(r.stdout).userId, ADMIN);
    assert.ok(r.millis >= 1000, `finished after ${r.millis} ms, before Synapse was up`);
  });

  it("gives up at the deadline with a clear message and exit 1", async () => {
    const port = await closedPort();
    const r = await runShell(HOST_LINE, {
      stdin: scriptStdin("admin_bootstrap", {
        base_url: `http://127.0.0.1:${port}`,
        shared_secret: SHARED,
        username: "admin",
        password: PASSWORD,
        server_name: "x",
        deadline_seconds: 2,
      }),
    });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      new RegExp(
        `Synapse at http://127.0.0.1:${port} did not answer GET /_synapse/admin/v1/register before the deadline \\(last: .*refused.*\\)`,
        "i",
      ),
    );
    assert.ok(r.millis < 8000, `took ${r.millis} ms for a 2 s deadline`);
  });
});
