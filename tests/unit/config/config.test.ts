/** Every config rule: the defaults it fills and the message it gives (key, value, fix). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../../config";
import { EQMD_PROD_RAW, settingsFrom } from "../../support/settings";
import { DEFAULT_SYNAPSE_IMAGE, SYNAPSE_VERSION } from "../../../config/versions";

const minimal = { eqmdDomain: "yourhospital.com" };

/** Runs buildSettings expecting failure; returns the message. */
function errorOf(
  raw: Record<string, unknown>,
  stack = "prod",
  secrets = { postgresAdminPassword: true, oidcClientSecret: false },
): string {
  try {
    settingsFrom(raw, stack, secrets);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail("expected the config to be rejected");
}

describe("defaults (eqmd's values)", () => {
  const s = settingsFrom(minimal);
  test("names follow eqmd's container prefix", () => {
    assert.equal(s.names.synapseContainer, "eqmd_matrix_synapse");
    assert.equal(s.names.elementContainer, "eqmd_element_web");
    assert.equal(s.names.mediaVolume, "eqmd_matrix_media_store");
    assert.equal(settingsFrom({ ...minimal, containerPrefix: "hx" }).names.synapseContainer, "hx_matrix_synapse");
  });
  test("FQDNs and URLs derive from the eqmd domain as eqmd's .env.example does", () => {
    assert.equal(s.server.name, "matrix.yourhospital.com");
    assert.equal(s.server.chatFqdn, "chat.yourhospital.com");
    assert.equal(s.server.publicBaseUrl, "https://matrix.yourhospital.com/");
    assert.equal(s.oidc.issuer, "https://yourhospital.com/o");
    assert.equal(s.oidc.idpId, "oidc-equipemed");
    assert.equal(s.oidc.clientId, "matrix_synapse_client");
    assert.deepEqual(s.oidc.scopes, ["openid", "profile", "email"]);
  });
  test("UID/GID, database, ports, images", () => {
    assert.equal(s.uid, 1001);
    assert.equal(s.gid, 1001);
    assert.equal(s.database.name, "matrix_db");
    assert.equal(s.database.role, "matrix_user");
    assert.deepEqual(s.synapse.port, { ip: "127.0.0.1", port: 8008 });
    assert.deepEqual(s.element.port, { ip: "127.0.0.1", port: 8080 });
    assert.equal(s.synapse.image, DEFAULT_SYNAPSE_IMAGE);
    assert.equal(s.synapse.version, SYNAPSE_VERSION);
    assert.equal(s.media.retainOnDelete, true);
    assert.equal(s.reset.allowed, true);
  });
  test("exec targets default to docker exec into eqmd's containers", () => {
    assert.deepEqual(s.synapse.exec, { command: ["docker", "exec", "-i"], container: "eqmd_matrix_synapse" });
    assert.deepEqual(s.django.exec, { command: ["docker", "exec", "-i"], container: "eqmd_app" });
  });
  test("settings are frozen all the way down", () => {
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.synapse) && Object.isFrozen(s.oidc.scopes));
  });
  test("eqmd's own Synapse pin is accepted and its version parsed", () => {
    assert.equal(settingsFrom({ ...minimal, synapse: { image: "eqmd-synapse:v1.99.0" } }).synapse.version, "1.99.0");
  });
  test("module files are read at config time", () => {
    const m = settingsFrom(EQMD_PROD_RAW).synapse.modules[0];
    assert.equal(m?.files[0]?.name, "eqmd_policy.py");
    assert.match(m?.files[0]?.content ?? "", /class EqmdPolicyModule/);
  });
});

describe("every invalid value names the key, the value and what is expected", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["missing eqmdDomain", {}, /eqmd-matrix:eqmdDomain is missing: expected/],
    ["bad domain", { eqmdDomain: "Not A Domain" }, /eqmd-matrix:eqmdDomain = "Not A Domain": expected .*DNS name/],
    ["bad matrixFqdn", { ...minimal, matrixFqdn: "matrix_x" }, /eqmd-matrix:matrixFqdn = "matrix_x"/],
    [
      "publicBaseUrl without slash",
      { ...minimal, publicBaseUrl: "https://m.x.org" },
      /eqmd-matrix:publicBaseUrl = "https:\/\/m\.x\.org": expected .*trailing slash/,
    ],
    ["bad prefix", { ...minimal, containerPrefix: "-x" }, /eqmd-matrix:containerPrefix = "-x"/],
    ["root uid", { ...minimal, uid: 0 }, /eqmd-matrix:uid = 0: expected a non-root UID/],
    ["string uid", { ...minimal, gid: "1001x" }, /eqmd-matrix:gid = "1001x"/],
    [
      "bad email",
      { ...minimal, hospitalEmail: "nobody" },
      /eqmd-matrix:hospitalEmail = "nobody": expected an e-mail address/,
    ],
    [
      "latest image",
      { ...minimal, synapse: { image: "matrixdotorg/synapse:latest" } },
      /eqmd-matrix:synapse\.image = "matrixdotorg\/synapse:latest": expected a pinned tag/,
    ],
    [
      "untagged image",
      { ...minimal, element: { image: "vectorim/element-web" } },
      /eqmd-matrix:element\.image = "vectorim\/element-web": expected an image pinned/,
    ],
    [
      "bad port",
      { ...minimal, synapse: { port: "127.0.0.1:70000" } },
      /eqmd-matrix:synapse\.port = "127\.0\.0\.1:70000": expected a port between 1 and 65535/,
    ],
    [
      "port without ip",
      { ...minimal, element: { port: "8080" } },
      /eqmd-matrix:element\.port = "8080": expected "<ip>:<port>"/,
    ],
    [
      "public port",
      { ...minimal, element: { port: "0.0.0.0:8080" } },
      /eqmd-matrix:element\.port = "0\.0\.0\.0:8080": expected a loopback address.*allowPublicPorts/,
    ],
    ["bad sslmode", { ...minimal, postgres: { sslmode: "prefer" } }, /eqmd-matrix:postgres\.sslmode = "prefer"/],
    [
      "bad db name",
      { ...minimal, database: { name: "Matrix-DB" } },
      /eqmd-matrix:database\.name = "Matrix-DB": expected a lower-case PostgreSQL identifier/,
    ],
    [
      "cp_min > cp_max",
      { ...minimal, database: { cpMin: 20, cpMax: 10 } },
      /eqmd-matrix:database\.cpMax = .*expected cpMin <= cpMax/,
    ],
    [
      "bad provider id",
      { ...minimal, oidc: { providerId: "equipe med" } },
      /eqmd-matrix:oidc\.providerId = "equipe med"/,
    ],
    [
      "issuer with slash",
      { ...minimal, oidc: { issuer: "https://x.org/o/" } },
      /eqmd-matrix:oidc\.issuer = "https:\/\/x\.org\/o\/": expected the issuer URL without a trailing slash/,
    ],
    ["unknown key", { ...minimal, synapseImage: "x:1" }, /eqmd-matrix:synapseImage = "x:1": expected a known key/],
    [
      "unknown nested key",
      { ...minimal, oidc: { clientID: "x" } },
      /eqmd-matrix:oidc\.clientID = "x": expected a known key/,
    ],
    [
      "exec without container",
      { ...minimal, django: { exec: { command: ["docker", "exec", "-i"] } } },
      /eqmd-matrix:django\.exec .*expected "container" whenever "command" is set/,
    ],
    [
      "old synapse",
      { ...minimal, synapse: { image: "matrixdotorg/synapse:v1.80.0" } },
      /eqmd-matrix:synapse\.image = "matrixdotorg\/synapse:v1\.80\.0": expected Synapse 1\.91\.0 or newer/,
    ],
    [
      "unversioned tag",
      { ...minimal, synapse: { image: "registry.local/synapse:stable" } },
      /eqmd-matrix:synapse\.version is missing: expected the Synapse version of image/,
    ],
    [
      "secret in extra settings",
      { ...minimal, synapse: { extraSettings: { form_secret: "abc" } } },
      /eqmd-matrix:synapse\.extraSettings\.form_secret = "\(hidden\)": expected no key that carries a secret/,
    ],
    [
      "http base url with OIDC",
      { ...minimal, publicBaseUrl: "http://matrix.yourhospital.com/" },
      /eqmd-matrix:publicBaseUrl = "http:\/\/matrix\.yourhospital\.com\/": expected an https:\/\/ URL while OIDC is enabled/,
    ],
    [
      "no login method",
      { ...minimal, oidc: { enabled: false } },
      /eqmd-matrix:synapse\.passwordLogin = false: expected true when oidc\.enabled is false/,
    ],
    [
      "hooks without OIDC",
      {
        ...minimal,
        oidc: { enabled: false },
        synapse: { passwordLogin: true },
        afterReset: [{ command: ["setup_matrix_bot"] }],
      },
      /eqmd-matrix:afterReset = 1: expected no hooks while oidc\.enabled is false/,
    ],
    [
      "bad capture key",
      { ...minimal, afterReset: [{ command: ["setup_matrix_bot"], capture: ["bot-token"] }] },
      /eqmd-matrix:afterReset\.0\.capture\.0 = "bot-token": expected an environment variable name/,
    ],
    [
      "missing module file",
      {
        ...minimal,
        synapse: { modules: [{ module: "eqmd_policy.EqmdPolicyModule", files: ["nope/eqmd_policy.py"] }] },
      },
      /eqmd-matrix:synapse\.modules\[0\]\.files\[0\] = "nope\/eqmd_policy\.py": expected a readable file/,
    ],
    [
      "bad module name",
      { ...minimal, synapse: { modules: [{ module: "eqmd_policy" }] } },
      /eqmd-matrix:synapse\.modules\.0\.module = "eqmd_policy": expected "package\.ClassName"/,
    ],
    [
      "bad docker host",
      { ...minimal, dockerHost: "myhost:2375" },
      /eqmd-matrix:dockerHost = "myhost:2375": expected a Docker host URL/,
    ],
  ];
  for (const [name, raw, pattern] of cases) {
    test(name, () => assert.match(errorOf(raw), pattern));
  }

  test("managed PostgreSQL is refused outside dev stacks", () => {
    assert.match(
      errorOf({ ...minimal, postgres: { mode: "managed" } }, "prod"),
      /eqmd-matrix:postgres\.mode = "managed": expected "external" on stack "prod": the managed PostgreSQL container is for dev stacks/,
    );
    assert.equal(settingsFrom({ ...minimal, postgres: { mode: "managed" } }, "dev-alice").postgres.mode, "managed");
  });

  test("an operator-managed client secret must be set", () => {
    assert.match(
      errorOf({ ...minimal, oidc: { clientSecretFrom: "config" } }),
      /eqmd-matrix:oidcClientSecret is missing: expected the client secret as a config secret .*pulumi config set --secret oidcClientSecret/,
    );
  });

  test("all problems are reported at once", () => {
    const message = errorOf({ ...minimal, element: { port: "0.0.0.0:80" }, synapse: { port: "0.0.0.0:8008" } });
    assert.match(message, /2 problems/);
    assert.match(message, /synapse\.port/);
    assert.match(message, /element\.port/);
  });

  test("loopback publication may be opted out of explicitly", () => {
    assert.deepEqual(
      settingsFrom({ ...minimal, allowPublicPorts: true, element: { port: "0.0.0.0:8080" } }).element.port,
      { ip: "0.0.0.0", port: 8080 },
    );
  });
});

describe("managed PostgreSQL mode", () => {
  test("Synapse reaches the dev container by name", () => {
    const s = settingsFrom({ ...minimal, postgres: { mode: "managed", port: 55432 } }, "dev");
    assert.equal(s.postgres.synapseHost, "eqmd_matrix_postgres");
    assert.equal(s.postgres.synapsePort, 5432);
    assert.equal(s.postgres.port, 55432);
  });
});
