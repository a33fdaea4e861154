import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { EQMD_PROD_RAW, settingsFrom, DEV_RAW } from "../../support/settings";
import {
  homeserverConfig,
  renderHomeserverYaml,
  renderPgpass,
  renderSecretsYaml,
  SynapseSecretValues,
} from "../../../render/homeserver";
import { renderElementConfigJson } from "../../../render/element";
import { renderLogConfig } from "../../../render/logConfig";
import { SYNAPSE_PATHS } from "../../../render/paths";

type Obj = Record<string, unknown>;

function obj(value: unknown, what: string): Obj {
  assert.ok(value !== null && typeof value === "object" && !Array.isArray(value), `${what} should be a mapping`);
  return value as Obj;
}

function list(value: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(value), `${what} should be a list`);
  return value;
}

function withRaw(patch: Obj): Obj {
  return { ...EQMD_PROD_RAW, ...patch };
}

const PROD_SYNAPSE = obj(EQMD_PROD_RAW.synapse, "EQMD_PROD_RAW.synapse");

const DISTINCT_SECRETS: SynapseSecretValues = {
  registrationSharedSecret: "RSS-7f3c9a1e-distinct",
  macaroonSecretKey: "MAC-44b0d2aa-distinct",
  formSecret: "FORM-91e6c7f0-distinct",
};

/** Every key path in a parsed config, e.g. "oidc_providers.0.client_secret_path". */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keyPaths(v, `${prefix}${i}.`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value as Obj).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
  }
  return [];
}

describe("homeserver.yaml", () => {
  it("renders byte-identical output for the same settings", () => {
    assert.equal(renderHomeserverYaml(settingsFrom()), renderHomeserverYaml(settingsFrom()));
    assert.equal(
      renderHomeserverYaml(settingsFrom(DEV_RAW, "dev")),
      renderHomeserverYaml(settingsFrom(DEV_RAW, "dev")),
    );
  });

  it("parses back to exactly the config object", () => {
    const s = settingsFrom();
    assert.deepEqual(parse(renderHomeserverYaml(s), { version: "1.1" }), homeserverConfig(s));
  });

  it("takes names and addresses from the settings", () => {
    const c = homeserverConfig(settingsFrom());
    assert.equal(c.server_name, "matrix.yourhospital.com");
    assert.equal(c.public_baseurl, "https://matrix.yourhospital.com/");
    assert.equal(c.admin_contact, "mailto:ti@yourhospital.com");
    const args = obj(obj(c.database, "database").args, "database.args");
    assert.deepEqual(args, {
      user: "matrix_user",
      database: "matrix_db",
      host: "postgres",
      port: 5432,
      passfile: SYNAPSE_PATHS.pgpass,
      cp_min: 5,
      cp_max: 10,
    });
    assert.equal(obj(c.database, "database").name, "psycopg2");
  });

  it("points the database at the managed container in dev", () => {
    const args = obj(obj(homeserverConfig(settingsFrom(DEV_RAW, "dev")).database, "database").args, "args");
    assert.equal(args.host, "eqmd_matrix_postgres");
    assert.equal(args.port, 5432);
  });

  it("references files by their container paths", () => {
    const c = homeserverConfig(settingsFrom());
    assert.equal(c.signing_key_path, SYNAPSE_PATHS.signingKey);
    assert.equal(c.log_config, SYNAPSE_PATHS.logConfig);
    assert.equal(c.media_store_path, SYNAPSE_PATHS.mediaStore);
    assert.equal(c.pid_file, "/tmp/homeserver.pid", "on the tmpfs: the root file system is read-only");
  });

  it("has one plain-HTTP client listener on 8008 behind the proxy", () => {
    const listeners = list(homeserverConfig(settingsFrom()).listeners, "listeners");
    assert.deepEqual(listeners, [
      {
        port: 8008,
        tls: false,
        type: "http",
        x_forwarded: true,
        bind_addresses: ["0.0.0.0"],
        resources: [{ names: ["client"], compress: false }],
      },
    ]);
  });

  it("uses the keys Synapse honours instead of eqmd's ignored ones", () => {
    const c = homeserverConfig(settingsFrom());
    const yamlText = renderHomeserverYaml(settingsFrom());
    for (const ignored of ["use_presence", "federation_enabled", "experimental_features", "allow_new_users"]) {
      assert.ok(!yamlText.includes(ignored), `${ignored} should not be rendered`);
    }
    assert.deepEqual(c.presence, { enabled: true });
    const provider = obj(list(c.oidc_providers, "oidc_providers")[0], "provider");
    assert.equal(provider.enable_registration, false);
    assert.ok(!("extra_attributes" in provider), "extra_attributes belongs under user_mapping_provider.config");
    const mapping = obj(obj(provider.user_mapping_provider, "user_mapping_provider").config, "mapping config");
    assert.deepEqual(mapping.extra_attributes, { eqmd_active: "{{ user.eqmd_active | default(true) }}" });
  });

  it("declares the OIDC provider from the settings, with the secret read from a file", () => {
    const c = homeserverConfig(settingsFrom());
    const providers = list(c.oidc_providers, "oidc_providers");
    assert.equal(providers.length, 1);
    const p = obj(providers[0], "provider");
    assert.equal(p.idp_id, "equipemed");
    assert.equal(p.idp_name, "EquipeMed");
    assert.equal(p.discover, true);
    assert.equal(p.issuer, "https://yourhospital.com/o");
    assert.equal(p.client_id, "matrix_synapse_client");
    assert.equal(p.client_secret_path, SYNAPSE_PATHS.oidcClientSecret);
    assert.ok(!("client_secret" in p));
    assert.deepEqual(p.scopes, ["openid", "profile", "email"]);
    assert.equal(p.allow_existing_users, true);
    assert.equal(p.user_profile_method, "userinfo_endpoint");
    assert.ok(!("skip_verification" in p), "skip_verification only when asked for");
    const mapping = obj(obj(p.user_mapping_provider, "user_mapping_provider").config, "mapping config");
    assert.equal(mapping.localpart_template, "{{ user.matrix_localpart }}");
    assert.equal(mapping.display_name_template, "{{ user.name or user.preferred_username or user.email }}");
    assert.equal(mapping.email_template, "{{ user.email }}");
    assert.deepEqual(c.sso, { client_whitelist: ["https://chat.yourhospital.com/"] });
  });

  it("follows oidc settings: provider id, templates, skipVerification", () => {
    const s = settingsFrom(
      withRaw({
        oidc: {
          providerId: "hosp",
          displayName: "Hospital",
          clientId: "cid",
          skipVerification: true,
          localpartTemplate: "{{ user.sub }}",
        },
      }),
    );
    const p = obj(list(homeserverConfig(s).oidc_providers, "oidc_providers")[0], "provider");
    assert.equal(p.idp_id, "hosp");
    assert.equal(p.idp_name, "Hospital");
    assert.equal(p.client_id, "cid");
    assert.equal(p.skip_verification, true);
    const mapping = obj(obj(p.user_mapping_provider, "user_mapping_provider").config, "mapping config");
    assert.equal(mapping.localpart_template, "{{ user.sub }}");
  });

  it("quotes the Jinja templates in the YAML", () => {
    const text = renderHomeserverYaml(settingsFrom());
    assert.match(text, /localpart_template: "\{\{ user\.matrix_localpart \}\}"\n/);
    assert.match(text, /eqmd_active: "\{\{ user\.eqmd_active \| default\(true\) \}\}"\n/);
  });

  it("has no oidc_providers or sso when OIDC is off", () => {
    const c = homeserverConfig(settingsFrom(DEV_RAW, "dev"));
    assert.ok(!("oidc_providers" in c));
    assert.ok(!("sso" in c));
    assert.ok(!renderHomeserverYaml(settingsFrom(DEV_RAW, "dev")).includes("oidc"));
  });

  it("sets password login from the settings", () => {
    assert.deepEqual(homeserverConfig(settingsFrom()).password_config, { enabled: false });
    assert.deepEqual(homeserverConfig(settingsFrom(DEV_RAW, "dev")).password_config, { enabled: true });
  });

  it("keeps registration, federation, directory, metrics and previews off", () => {
    const c = homeserverConfig(settingsFrom());
    assert.equal(c.enable_registration, false);
    assert.equal(c.registration_requires_token, false);
    assert.deepEqual(c.federation_domain_whitelist, []);
    assert.equal(c.send_federation, false);
    assert.deepEqual(c.trusted_key_servers, []);
    assert.equal(c.suppress_key_server_warning, true);
    assert.equal(c.enable_room_list_search, false);
    assert.deepEqual(c.alias_creation_rules, [{ user_id: "*", alias: "*", action: "deny" }]);
    assert.deepEqual(c.room_list_publication_rules, [{ user_id: "*", alias: "*", action: "deny" }]);
    assert.deepEqual(c.user_directory, { enabled: false });
    assert.deepEqual(c.push, { enabled: false });
    assert.equal(c.enable_metrics, false);
    assert.equal(c.report_stats, false);
    assert.equal(c.url_preview_enabled, false);
    assert.equal(list(c.thumbnail_sizes, "thumbnail_sizes").length, 5);
  });

  it("keeps the server notices user but not eqmd's placeholder avatar", () => {
    const notices = obj(homeserverConfig(settingsFrom()).server_notices, "server_notices");
    assert.equal(notices.system_mxid_localpart, "notices");
    assert.equal(notices.system_mxid_display_name, "Server Notices");
    assert.ok(!("system_mxid_avatar_url" in notices));
  });

  it("writes eqmd's rate limits", () => {
    const c = homeserverConfig(settingsFrom());
    assert.deepEqual(c.rc_message, { per_second: 0.2, burst_count: 10 });
    assert.deepEqual(c.rc_registration, { per_second: 0.1, burst_count: 3 });
    const rcLogin = obj(c.rc_login, "rc_login");
    for (const k of ["address", "account", "failed_attempts"])
      assert.deepEqual(rcLogin[k], { per_second: 0.1, burst_count: 5 });
    // The three rc_login entries are equal objects; the YAML must spell each out (no anchors).
    assert.ok(!/[&*]\w/.test(renderHomeserverYaml(settingsFrom()).replace(/"\*"/g, "")));
  });

  it("lists the configured modules with their config, and none when there are none", () => {
    const modules = list(homeserverConfig(settingsFrom()).modules, "modules");
    assert.equal(modules.length, 1);
    const m = obj(modules[0], "module");
    assert.deepEqual(Object.keys(m), ["module", "config"]);
    assert.equal(m.module, "eqmd_policy.EqmdPolicyModule");
    assert.equal(obj(m.config, "config").bot_user_id, "@rzero_bot:matrix.yourhospital.com");
    assert.ok(!("modules" in homeserverConfig(settingsFrom(DEV_RAW, "dev"))));
  });

  it("lets extraSettings override a key in place and add new keys at the end", () => {
    const base = homeserverConfig(settingsFrom());
    const s = settingsFrom(
      withRaw({
        synapse: {
          ...PROD_SYNAPSE,
          extraSettings: { max_upload_size: "100M", enable_metrics: true, auto_join_rooms: ["#a:x"] },
        },
      }),
    );
    const c = homeserverConfig(s);
    assert.equal(c.max_upload_size, "100M");
    assert.equal(c.enable_metrics, true);
    assert.deepEqual(c.auto_join_rooms, ["#a:x"]);
    const keys = Object.keys(c);
    assert.deepEqual(keys.slice(0, -1), Object.keys(base), "existing keys keep their order");
    assert.equal(keys[keys.length - 1], "auto_join_rooms");
    assert.match(renderHomeserverYaml(s), /\nmax_upload_size: 100M\n/);
  });
});

describe("secrets stay out of the readable files", () => {
  it("homeserver.yaml, element config and log config hold none of the secret values", () => {
    for (const s of [settingsFrom(), settingsFrom(DEV_RAW, "dev")]) {
      const readable = renderHomeserverYaml(s) + renderElementConfigJson(s) + renderLogConfig(s);
      for (const value of secretValues()) assert.ok(!readable.includes(value), `${value} leaked`);
    }
  });

  it("secrets.yaml holds all three values", () => {
    const text = renderSecretsYaml(DISTINCT_SECRETS);
    for (const value of secretValues()) assert.ok(text.includes(value), `${value} missing`);
  });

  it("homeserver.yaml has no secret-carrying key, only *_path references", () => {
    const c = homeserverConfig(settingsFrom());
    for (const key of keyPaths(c)) {
      const leaf = key.split(".").pop() ?? key;
      if (/secret|password/.test(leaf))
        assert.ok(leaf.endsWith("_path") || leaf === "password_config", `secret-looking key ${key}`);
    }
    for (const key of ["registration_shared_secret", "macaroon_secret_key", "form_secret"]) assert.ok(!(key in c));
    assert.ok(!("password" in obj(obj(c.database, "database").args, "args")));
  });

  it("secrets.yaml has exactly the three secret keys, values round-tripping", () => {
    const tricky: SynapseSecretValues = {
      registrationSharedSecret: "yes",
      macaroonSecretKey: "a: #b",
      formSecret: "0777",
    };
    const parsed = parse(renderSecretsYaml(tricky), { version: "1.1" }) as unknown;
    assert.deepEqual(parsed, { registration_shared_secret: "yes", macaroon_secret_key: "a: #b", form_secret: "0777" });
    const keys = Object.keys(obj(parse(renderSecretsYaml(DISTINCT_SECRETS)), "secrets"));
    assert.deepEqual(keys, ["registration_shared_secret", "macaroon_secret_key", "form_secret"]);
  });

  it("refuses an empty secret", () => {
    assert.throws(() => renderSecretsYaml({ ...DISTINCT_SECRETS, formSecret: "" }), /form_secret is empty/);
  });
});

describe("pgpass", () => {
  it("writes host:port:database:user:password with a trailing newline", () => {
    assert.equal(renderPgpass(settingsFrom(), "simple"), "postgres:5432:matrix_db:matrix_user:simple\n");
  });

  it("escapes ':' and '\\' as libpq requires", () => {
    assert.equal(renderPgpass(settingsFrom(), "a:b\\c"), "postgres:5432:matrix_db:matrix_user:a\\:b\\\\c\n");
    assert.equal(renderPgpass(settingsFrom(), "\\:"), "postgres:5432:matrix_db:matrix_user:\\\\\\:\n");
  });

  it("uses the managed container's host in dev", () => {
    assert.equal(
      renderPgpass(settingsFrom(DEV_RAW, "dev"), "pw"),
      "eqmd_matrix_postgres:5432:matrix_db:matrix_user:pw\n",
    );
  });

  it("refuses passwords a passfile cannot hold", () => {
    assert.throws(() => renderPgpass(settingsFrom(), "two\nlines"), /line break/);
    assert.throws(() => renderPgpass(settingsFrom(), ""), /empty/);
  });
});

function secretValues(): string[] {
  const { registrationSharedSecret, macaroonSecretKey, formSecret } = DISTINCT_SECRETS;
  return [registrationSharedSecret, macaroonSecretKey, formSecret];
}
