/** The defaults the config fills and the values it derives (the bad inputs: catalogue.test.ts). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EQMD_PROD_RAW, localFilesFrom, settingsFrom } from "../../support/settings";
import { DEFAULT_SYNAPSE_IMAGE, SYNAPSE_VERSION } from "../../../config/versions";

const minimal = { eqmdDomain: "yourhospital.com" };

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
  test("every derived name comes from the prefix, in one place", () => {
    assert.deepEqual(settingsFrom({ ...minimal, containerPrefix: "hx" }).names, {
      synapseContainer: "hx_matrix_synapse",
      elementContainer: "hx_element_web",
      mediaVolume: "hx_matrix_media_store",
      mediaInitContainer: "hx_matrix_media_init",
      configVolume: "hx_matrix_config",
      configJobContainer: "hx_matrix_config_init",
      secretsVolume: "hx_matrix_secrets",
      secretsJobContainer: "hx_matrix_secrets_init",
      elementWebRootVolume: "hx_element_web_root",
      elementConfigJobContainer: "hx_element_config_init",
      logVolume: "hx_matrix_logs",
      logInitContainer: "hx_matrix_logs_init",
      postgresContainer: "hx_matrix_postgres",
      postgresDataVolume: "hx_matrix_postgres_data",
      djangoContainer: "hx_app",
      redisContainer: "hx_matrix_redis",
      redisSecretsVolume: "hx_matrix_redis_secrets",
      redisSecretsJobContainer: "hx_matrix_redis_secrets_init",
      routerContainer: "hx_matrix_router",
    });
  });
  test("Element's pinning, presence, legal links and home page default to Element's own; no log file", () => {
    assert.equal(s.element.messagePinning, false);
    assert.equal(s.element.showPresence, true);
    assert.deepEqual(s.element.termsLinks, []);
    assert.equal(s.element.homeUrl, undefined);
    assert.equal(s.synapse.fileLog, undefined);
    const withFile = settingsFrom({ ...minimal, synapse: { fileLog: {} } });
    assert.deepEqual(withFile.synapse.fileLog, { keep: 3 }, "eqmd keeps three old files");
  });
  test("Synapse's listener and its address as the commands see it are derived", () => {
    assert.deepEqual(s.synapse.bindAddresses, ["0.0.0.0"]);
    assert.equal(s.synapse.internalUrl, "http://localhost:8008", "inside the container");
    const onHost = settingsFrom({ ...minimal, synapse: { exec: { command: [] } } });
    assert.equal(onHost.synapse.internalUrl, "http://127.0.0.1:8008", "from this host: the published port");
    const unpublished = settingsFrom({
      ...minimal,
      synapse: { exec: { command: [] }, port: false, listenPort: 18008 },
    });
    assert.equal(unpublished.synapse.internalUrl, "http://127.0.0.1:18008", "from this host, nothing published");
  });
  test("settings are frozen all the way down", () => {
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.synapse) && Object.isFrozen(s.oidc.scopes));
  });
  test("eqmd's own Synapse pin is accepted and its version parsed", () => {
    assert.equal(settingsFrom({ ...minimal, synapse: { image: "eqmd-synapse:v1.99.0" } }).synapse.version, "1.99.0");
  });
  test("module files are read at config time", () => {
    const f = localFilesFrom(EQMD_PROD_RAW).synapseModuleFiles[0];
    assert.equal(f?.name, "eqmd_policy.py");
    assert.match(f?.content ?? "", /class EqmdPolicyModule/);
  });
});

// Every invalid value, its key, value and fix: catalogue.test.ts.

describe("managed PostgreSQL mode", () => {
  test("Synapse reaches the dev container by name", () => {
    const s = settingsFrom({ ...minimal, postgres: { mode: "managed", port: 55432 } }, "dev");
    assert.equal(s.postgres.synapseHost, "eqmd_matrix_postgres");
    assert.equal(s.postgres.synapsePort, 5432);
    assert.equal(s.postgres.port, 55432);
  });
});
