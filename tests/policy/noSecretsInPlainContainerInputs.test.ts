import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { noSecretsInPlainContainerInputs } from "../../policy/policies";
import { looksRandom, maskEmbeddedCode, scriptReason, secretNameReason, secretValueReason } from "../../policy/secrets";
import { goodContainer, T, violationsOf } from "./support";

/** Fixed, generated-looking values (never real secrets). */
const BASE64_KEY = "q8Zr2LmW9xTb4Nv7Kp3Hs6Dg1Fj5Yc0Ae8Ui2Ow7Rt4=";
const HEX_KEY = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const SYNAPSE_TOKEN = "syt_YWRtaW4_wJxkQmBvUHnOPzsRdTIa_1a2B3c";

describe("secret detection", () => {
  test("a secret-named key with a literal value is secret; references to secrets are not", () => {
    assert.match(secretNameReason("POSTGRES_PASSWORD", "hunter2") ?? "", /"POSTGRES_PASSWORD" is named like a secret/);
    assert.ok(secretNameReason("api_key", "x"));
    assert.ok(secretNameReason("PGPASSWORD", "'pw'"));
    for (const [name, value] of [
      ["POSTGRES_PASSWORD", ""],
      ["POSTGRES_PASSWORD_FILE", "/run/secrets/pg"],
      ["SYNAPSE_SIGNING_KEY_PATH", "keys/signing.key"],
      ["SECRET_KEY", "$SECRET_KEY"],
      ["SECRET_KEY", '"${SECRET_KEY}"'],
      ["TOKEN_ENDPOINT", "https://eqmd.example.org/o/token"],
      ["ENABLE_TOKEN_AUTH", "false"],
      ["KEYS_DIR", "/data/keys"],
      ["SYNAPSE_CONFIG_PATH", "/data/homeserver.yaml"],
      ["SERVER_NAME", "matrix.example.org"],
    ]) {
      assert.equal(secretNameReason(name, value), undefined, `${name}=${value}`);
    }
  });

  test("values that are secrets whatever their name", () => {
    assert.match(secretValueReason(`Bearer ${SYNAPSE_TOKEN}`) ?? "", /Synapse access or refresh token/);
    assert.match(secretValueReason(BASE64_KEY) ?? "", /43-character high-entropy string/);
    assert.match(secretValueReason(HEX_KEY) ?? "", /64-character high-entropy/);
    assert.match(secretValueReason("-----BEGIN OPENSSH PRIVATE KEY-----\nabc") ?? "", /PEM private key/);
    assert.match(secretValueReason("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl") ?? "", /JSON Web Token/);
    assert.match(
      secretValueReason("postgres://synapse:s3cret@postgres:5432/matrix_db") ?? "",
      /URL with an embedded password/,
    );
    assert.match(secretValueReason("Authorization: Bearer abcdefghijklmnop1234") ?? "", /literal bearer token/);
  });

  test("ordinary values are not secrets", () => {
    for (const value of [
      "matrixdotorg/synapse:v1.163.2",
      `vectorim/element-web@sha256:${HEX_KEY}`,
      "/usr/local/lib/python3.11/site-packages/synapse",
      "http://localhost:8008/_matrix/client/v3/login",
      "https://yourhospital.com/o/.well-known/openid-configuration",
      "matrix_synapse_client_secret_backup_2024",
      "SynapseDatabaseOwnerRoleForMatrix2024Edition",
      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
      "{{ user.name or user.preferred_username or user.email }}",
      "postgres://synapse:$PGPASSWORD@postgres:5432/matrix_db",
      'Authorization: Bearer "$SYNAPSE_ADMIN_TOKEN"',
    ]) {
      assert.equal(secretValueReason(value), undefined, value);
    }
  });

  test("random strings of 32+ characters look random; shorter ones and words do not", () => {
    assert.ok(looksRandom("mj8whv4jz84woolyngw0as11wvwhomcc"));
    assert.ok(looksRandom("RtLq7xWLdKggoFUFRbGBMGafnSznMFnobLZgufIzACo"));
    assert.ok(looksRandom("q_10-g-j-Fthrid_8aXiKrSUGpwgA739"));
    assert.equal(looksRandom("RtLq7xWLdKggoFUFRbGBMGafnSz"), false);
    assert.equal(looksRandom("registration_shared_secret_path_"), false);
    assert.equal(looksRandom("00000000000000000000000000000000"), false);
  });

  test("shell scripts: literal assignments, flags and JSON members are secrets; $VARS are not", () => {
    assert.ok(scriptReason("PGPASSWORD=hunter2 psql -h postgres"));
    assert.ok(scriptReason("register_new_matrix_user --shared-secret abc123 http://localhost:8008"));
    assert.ok(scriptReason('curl --data \'{"type":"m.login.password","password":"hunter2"}\' http://x'));
    assert.equal(scriptReason('PGPASSWORD="$PGPASSWORD" psql -h postgres -U synapse'), undefined);
    assert.equal(
      scriptReason('register_new_matrix_user --shared-secret "$REGISTRATION_SHARED_SECRET" -u admin'),
      undefined,
    );
    assert.equal(
      scriptReason(
        'docker exec -i -e SYNAPSE_ADMIN_PASSWORD eqmd_synapse curl -fsS -H "Authorization: Bearer $TOKEN" http://localhost:8008/_synapse/admin/v1/register',
      ),
      undefined,
    );
    assert.equal(scriptReason("docker login --password-stdin registry.example.org"), undefined);
    assert.equal(scriptReason("grep '^SYNAPSE_OIDC_CLIENT_SECRET=' .env | cut -d= -f2"), undefined);
    assert.equal(
      scriptReason("if ! rsakeys_out=$(docker exec -i eqmd_app python manage.py shell -c 'print(1)'); then exit 1; fi"),
      undefined,
    );
  });

  test("code embedded in a script (python3 -c '…', heredocs) is not read as shell assignments", () => {
    const pythonArg =
      "docker exec -i synapse python3 -c 'import sys\nr = call(\"GET\", path, token=token)\nprint('\\''done'\\'')'";
    assert.equal(scriptReason(pythonArg), undefined);
    const heredoc = "python3 - <<'PY'\nlogin = call(token=helper_token)\nPY\necho done";
    assert.equal(maskEmbeddedCode(heredoc), "python3 - <<'PY'\n…\nPY\necho done");
    assert.equal(scriptReason(heredoc), undefined);
    assert.ok(
      scriptReason(`python3 - <<'PY'\ntoken = "${SYNAPSE_TOKEN}"\nPY`),
      "tokens are found inside embedded code too",
    );
    assert.ok(
      scriptReason("register_new_matrix_user --shared-secret 'abc123' -u admin"),
      "a one-word quoted value is still a literal",
    );
  });
});

describe("no-secrets-in-plain-container-inputs on Containers", () => {
  test("passes a Container whose secrets come from uploaded files", async () => {
    const props = goodContainer({
      envs: [
        "SYNAPSE_CONFIG_PATH=/data/homeserver.yaml",
        "POSTGRES_PASSWORD_FILE=/run/secrets/pg",
        "SYNAPSE_REPORT_STATS=no",
      ],
      command: ["run", "--config-path", "/data/homeserver.yaml", "--keys-directory", "/data/keys"],
      entrypoints: ["/start.py"],
      uploads: [{ file: "/data/secrets.yaml", content: `macaroon_secret_key: ${BASE64_KEY}` }],
    });
    assert.deepEqual(await violationsOf(noSecretsInPlainContainerInputs, { type: T.container, props }), []);
  });

  test("reports a secret-named env var, naming the place but never the value", async () => {
    const violations = await violationsOf(noSecretsInPlainContainerInputs, {
      type: T.container,
      props: goodContainer({ name: "eqmd_postgres", envs: ["POSTGRES_USER=synapse", "POSTGRES_PASSWORD=hunter2"] }),
    });
    assert.equal(violations.length, 1);
    assert.match(
      violations[0],
      /^Container "eqmd_postgres": envs\[1\] \(POSTGRES_PASSWORD\) looks like a secret \("POSTGRES_PASSWORD" is named like a secret and is given a literal value\)\./,
    );
    assert.match(violations[0], /docker inspect/);
    assert.match(violations[0], /uploads/);
    assert.doesNotMatch(violations[0], /hunter2/);
  });

  test("reports tokens in env values, labels, command, entrypoints and healthcheck", async () => {
    const violations = await violationsOf(noSecretsInPlainContainerInputs, {
      type: T.container,
      props: goodContainer({
        envs: ["SYNAPSE_CONFIG_PATH=/data/homeserver.yaml", `ADMIN=${SYNAPSE_TOKEN}`],
        labels: [
          { label: "org.eqmd.component", value: "synapse" },
          { label: "org.eqmd.note", value: BASE64_KEY },
          { label: "registration_secret", value: "abc" },
        ],
        command: ["run", "--macaroon-secret-key", "abc123"],
        entrypoints: ["/bin/sh", "-c", `SECRET=${HEX_KEY} exec /start.py`],
        healthcheck: {
          tests: ["CMD", "curl", "-H", `Authorization: Bearer ${SYNAPSE_TOKEN}`, "http://localhost:8008/health"],
        },
      }),
    });
    const places = violations.map((v) => /: (\S+(?: \([^)]*\))?) looks like a secret/.exec(v)?.[1]);
    assert.deepEqual(places, [
      "envs[1] (ADMIN)",
      "labels[1] (org.eqmd.note)",
      "labels[2] (registration_secret)",
      "command[2] (the value of --macaroon-secret-key)",
      "entrypoints[2]",
      "healthcheck.tests[3]",
    ]);
    for (const v of violations) {
      assert.ok(
        !v.includes(SYNAPSE_TOKEN) && !v.includes(BASE64_KEY) && !v.includes(HEX_KEY) && !v.includes("abc123"),
        v,
      );
    }
  });
});

describe("no-secrets-in-plain-container-inputs on Commands", () => {
  test("passes a Command that takes its secrets from environment and stdin", async () => {
    const props = {
      create:
        'docker exec -i -e SYNAPSE_ADMIN_PASSWORD eqmd_synapse register_new_matrix_user --shared-secret "$REGISTRATION_SHARED_SECRET" -u admin --admin',
      delete: "true",
      environment: { REGISTRATION_SHARED_SECRET: BASE64_KEY, SYNAPSE_ADMIN_PASSWORD: "hunter2" },
      stdin: SYNAPSE_TOKEN,
    };
    assert.deepEqual(
      await violationsOf(noSecretsInPlainContainerInputs, { type: T.localCommand, name: "admin-user", props }),
      [],
    );
  });

  test("reports secrets inlined in create, update and delete scripts", async () => {
    const violations = await violationsOf(noSecretsInPlainContainerInputs, {
      type: T.localCommand,
      name: "admin-user",
      props: {
        create: `curl -H "Authorization: Bearer ${SYNAPSE_TOKEN}" http://localhost:8008/_synapse/admin/v2/users/@admin:x`,
        update: "SYNAPSE_ADMIN_PASSWORD=hunter2 ./register.sh",
        delete: "echo done",
      },
    });
    assert.deepEqual(violations, [
      `Command "admin-user": the create script looks like it holds a secret (it contains a Synapse access or refresh token (syt_…/syr_…)). The script is passed to the shell as an argument, so it shows up in \`ps\` and in Pulumi's logs. Pass the secret through the Command's \`environment\` (or \`stdin\`) and refer to it as "$NAME" in the script.`,
      `Command "admin-user": the update script looks like it holds a secret ("SYNAPSE_ADMIN_PASSWORD" is named like a secret and is given a literal value). The script is passed to the shell as an argument, so it shows up in \`ps\` and in Pulumi's logs. Pass the secret through the Command's \`environment\` (or \`stdin\`) and refer to it as "$NAME" in the script.`,
    ]);
  });

  test("checks remote Commands too, and ignores other types", async () => {
    assert.equal(
      (
        await violationsOf(noSecretsInPlainContainerInputs, {
          type: T.remoteCommand,
          props: { create: `echo ${HEX_KEY}` },
        })
      ).length,
      1,
    );
    assert.deepEqual(
      await violationsOf(noSecretsInPlainContainerInputs, { type: T.randomPassword, props: { result: HEX_KEY } }),
      [],
    );
  });
});
