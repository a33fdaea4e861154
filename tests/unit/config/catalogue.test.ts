/**
 * The catalogue of bad inputs: each one run through the program's own config reader
 * (`loadConfig`) under Pulumi mocks, as the engine would hand it the stack file. For each, the
 * error names the key, shows the value (never a secret one) and says what fixes it, in words:
 * no validation-library text reaches the operator.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigIssue, loadConfig, StackConfigError } from "../../../config";
import { REPO_ROOT } from "../../support/settings";

/** A .env eqmd already has, for the entries that check it against the stack (removed after the run). */
const ENV_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-matrix-catalogue-"));
process.on("exit", () => fs.rmSync(ENV_DIR, { recursive: true, force: true }));
function eqmdEnv(name: string, lines: readonly string[]): { path: string } {
  const file = path.join(ENV_DIR, `${name}.env`);
  fs.writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  return { path: file };
}

const minimal = { eqmdDomain: "yourhospital.com" };
const MISSING = Symbol("missing");
const SECRET = Symbol("secret");

interface BadInput {
  /** The stack config (namespace-relative keys) as the stack file would hold it. */
  readonly raw: Record<string, unknown>;
  /** Keys stored encrypted (`pulumi config set --secret`). */
  readonly secretKeys?: readonly string[];
  readonly stack?: string;
  /** The key the problem is reported on. */
  readonly key: string;
  /** The value the message shows; MISSING for a missing key, SECRET when it must stay hidden. */
  readonly value: unknown;
  /** What the message says fixes it (the expected value in words, or a command). */
  readonly fix: RegExp;
}

/** Text the validation library would write on its own: it must never get through. */
const LIBRARY_TEXT =
  /Invalid input|expected \w+, received|Too (small|big)|Invalid (string|option|union)|Unrecognized key/;

const CATALOGUE: Record<string, BadInput> = {
  "missing eqmdDomain": {
    raw: {},
    key: "eqmdDomain",
    value: MISSING,
    fix: /is missing: expected eqmd's own domain .*required\. Fix: pulumi config set eqmdDomain yourhospital\.com/,
  },
  "bad domain": { raw: { eqmdDomain: "Not A Domain" }, key: "eqmdDomain", value: "Not A Domain", fix: /DNS name/ },
  "domain as a number": { raw: { eqmdDomain: 42 }, key: "eqmdDomain", value: 42, fix: /a lower-case DNS name/ },
  "bad matrixFqdn": {
    raw: { ...minimal, matrixFqdn: "matrix_x" },
    key: "matrixFqdn",
    value: "matrix_x",
    fix: /DNS name/,
  },
  "publicBaseUrl without slash": {
    raw: { ...minimal, publicBaseUrl: "https://m.x.org" },
    key: "publicBaseUrl",
    value: "https://m.x.org",
    fix: /trailing slash/,
  },
  "bad prefix": {
    raw: { ...minimal, containerPrefix: "-x" },
    key: "containerPrefix",
    value: "-x",
    fix: /letters, digits/,
  },
  "root uid": { raw: { ...minimal, uid: 0 }, key: "uid", value: 0, fix: /expected a non-root UID/ },
  "negative uid": { raw: { ...minimal, uid: -1 }, key: "uid", value: -1, fix: /expected a valid UID: a whole number/ },
  "fractional uid": { raw: { ...minimal, uid: 1.5 }, key: "uid", value: 1.5, fix: /expected a valid UID/ },
  "text gid": { raw: { ...minimal, gid: "1001x" }, key: "gid", value: "1001x", fix: /a whole number such as 1001/ },
  "bad email": {
    raw: { ...minimal, hospitalEmail: "nobody" },
    key: "hospitalEmail",
    value: "nobody",
    fix: /expected an e-mail address/,
  },
  "latest image": {
    raw: { ...minimal, synapse: { image: "matrixdotorg/synapse:latest" } },
    key: "synapse.image",
    value: "matrixdotorg/synapse:latest",
    fix: /expected a pinned tag/,
  },
  "untagged image": {
    raw: { ...minimal, element: { image: "vectorim/element-web" } },
    key: "element.image",
    value: "vectorim/element-web",
    fix: /expected an image pinned/,
  },
  "port out of range": {
    raw: { ...minimal, synapse: { port: "127.0.0.1:70000" } },
    key: "synapse.port",
    value: "127.0.0.1:70000",
    fix: /expected a port between 1 and 65535/,
  },
  "port without ip": {
    raw: { ...minimal, element: { port: "8080" } },
    key: "element.port",
    value: "8080",
    fix: /"<ip>:<port>" such as "127\.0\.0\.1:8008", or false/,
  },
  "port as a number": {
    raw: { ...minimal, synapse: { port: 8008 } },
    key: "synapse.port",
    value: 8008,
    fix: /"<ip>:<port>"/,
  },
  "listener port as text": {
    raw: { ...minimal, element: { containerPort: "eighty" } },
    key: "element.containerPort",
    value: "eighty",
    fix: /a whole number from 1 to 65535, such as 80/,
  },
  "bad sslmode": {
    raw: { ...minimal, postgres: { sslmode: "prefer" } },
    key: "postgres.sslmode",
    value: "prefer",
    fix: /"disable", "require", "verify-ca" or "verify-full"/,
  },
  "bad postgres mode": {
    raw: { ...minimal, postgres: { mode: "docker" } },
    key: "postgres.mode",
    value: "docker",
    fix: /"external" or "managed"/,
  },
  "postgres port as text": {
    raw: { ...minimal, postgres: { port: "5432x" } },
    key: "postgres.port",
    value: "5432x",
    fix: /a port number/,
  },
  "bad db name": {
    raw: { ...minimal, database: { name: "Matrix-DB" } },
    key: "database.name",
    value: "Matrix-DB",
    fix: /expected a lower-case PostgreSQL identifier/,
  },
  "too many sync workers": {
    raw: { ...minimal, synapse: { workers: { sync: 20 } } },
    key: "synapse.workers.sync",
    value: 20,
    fix: /a number of \/sync workers from 0 to 8, such as 2/,
  },
  "a worker count as text": {
    raw: { ...minimal, synapse: { workers: { client: "two" } } },
    key: "synapse.workers.client",
    value: "two",
    fix: /a number of client API workers from 0 to 8/,
  },
  "an unknown worker kind": {
    raw: { ...minimal, synapse: { workers: { pusher: 1 } } },
    key: "synapse.workers.pusher",
    value: 1,
    fix: /expected a known key.*Fix: pulumi config rm --path synapse\.workers\.pusher/,
  },
  "workers with no worker at all": {
    raw: { ...minimal, synapse: { workers: { sync: 0, client: 0, media: false, background: false } } },
    key: "synapse.workers",
    value: { sync: 0, client: 0, media: false, background: false, eventPersisters: 0 },
    fix: /at least one worker .*Fix: pulumi config set --path synapse\.workers\.sync 1/,
  },
  "workers on eqmd's Synapse 1.99.0": {
    raw: { ...minimal, synapse: { image: "eqmd-synapse:v1.99.0", workers: {} } },
    key: "synapse.workers",
    value: { sync: 1, client: 1, media: true, background: true, eventPersisters: 0 },
    fix: /Synapse 1\.117\.0 or newer for workers .*synapse\.image is Synapse 1\.99\.0/,
  },
  "a prefix too long for the workers' names": {
    raw: { ...minimal, containerPrefix: "x".repeat(45), synapse: { workers: {} } },
    key: "containerPrefix",
    value: "x".repeat(45),
    fix: /a shorter prefix: the worker container x+_matrix_synapse_sync1 is longer than 63 characters.*Fix: pulumi config set containerPrefix eqmd/,
  },
  "extraSettings writing a key the workers own": {
    raw: { ...minimal, synapse: { workers: {}, extraSettings: { instance_map: {} } } },
    key: "synapse.extraSettings.instance_map",
    value: {},
    fix: /no key the worker mode writes itself.*Fix: pulumi config rm --path synapse\.extraSettings\.instance_map/,
  },
  "metrics on a public address": {
    raw: { ...minimal, synapse: { metrics: { port: "0.0.0.0:19090" } } },
    key: "synapse.metrics.port",
    value: "0.0.0.0:19090",
    fix: /a loopback address .*Fix: pulumi config set --path synapse\.metrics\.port 127\.0\.0\.1:19090/,
  },
  "metrics switched off with false": {
    raw: { ...minimal, synapse: { metrics: { port: false } } },
    key: "synapse.metrics.port",
    value: false,
    fix: /a published port "<ip>:<port>" such as "127\.0\.0\.1:19090"/,
  },
  "a worker's metrics port on Element's": {
    raw: { ...minimal, synapse: { workers: { sync: 2 }, metrics: { port: "127.0.0.1:8078" } } },
    key: "synapse.metrics.port",
    value: "127.0.0.1:8080 (sync2)",
    fix: /element\.port already publishes 127\.0\.0\.1:8080/,
  },
  "metrics ports past 65535": {
    raw: { ...minimal, synapse: { workers: { sync: 2 }, metrics: { port: "127.0.0.1:65534" } } },
    key: "synapse.metrics.port",
    value: "127.0.0.1:65534",
    fix: /a port low enough for every process: 6 processes need ports up to 65539/,
  },
  "Synapse and Element on one port": {
    raw: { ...minimal, synapse: { port: "127.0.0.1:8080" } },
    key: "element.port",
    value: "127.0.0.1:8080",
    fix: /no other container of the stack publishes: synapse\.port already publishes 127\.0\.0\.1:8080.*Fix: pulumi config set --path element\.port 127\.0\.0\.1:8081/,
  },
  "a wildcard address takes the port on every address": {
    raw: { ...minimal, synapse: { port: "0.0.0.0:9000" }, element: { port: "127.0.0.1:9000" } },
    key: "element.port",
    value: "127.0.0.1:9000",
    fix: /synapse\.port already publishes 0\.0\.0\.0:9000/,
  },
  "managed PostgreSQL on Element's port": {
    raw: { ...minimal, postgres: { mode: "managed", port: 8080 } },
    stack: "dev",
    key: "postgres.port",
    value: "127.0.0.1:8080",
    fix: /element\.port already publishes 127\.0\.0\.1:8080/,
  },
  "memory limit too small": {
    raw: { ...minimal, synapse: { memoryMb: 16 } },
    key: "synapse.memoryMb",
    value: 16,
    fix: /a memory limit in MiB: a whole number from 64/,
  },
  "log size without a unit": {
    raw: { ...minimal, containerLogs: { maxSize: "10" } },
    key: "containerLogs.maxSize",
    value: "10",
    fix: /a size with a unit k, m or g, such as "10m"/,
  },
  "no log file kept": {
    raw: { ...minimal, containerLogs: { maxFiles: 0 } },
    key: "containerLogs.maxFiles",
    value: 0,
    fix: /from 1 to 100/,
  },
  "Element without a writable /tmp": {
    raw: { ...minimal, element: { tmpfs: ["/var/cache/nginx"] } },
    key: "element.tmpfs",
    value: ["/var/cache/nginx"],
    fix: /a list that keeps \/tmp/,
  },
  "Element user by name": {
    raw: { ...minimal, element: { user: "nginx" } },
    key: "element.user",
    value: "nginx",
    fix: /a numeric "UID:GID" such as "101:101"/,
  },
  "zero pool": { raw: { ...minimal, database: { cpMin: 0 } }, key: "database.cpMin", value: 0, fix: /at least 1/ },
  "cp_min > cp_max": {
    raw: { ...minimal, database: { cpMin: 20, cpMax: 10 } },
    key: "database.cpMax",
    value: 10,
    fix: /expected cpMin <= cpMax/,
  },
  "bad provider id": {
    raw: { ...minimal, oidc: { providerId: "equipe med" } },
    key: "oidc.providerId",
    value: "equipe med",
    fix: /letters, digits/,
  },
  "issuer with slash": {
    raw: { ...minimal, oidc: { issuer: "https://x.org/o/" } },
    key: "oidc.issuer",
    value: "https://x.org/o/",
    fix: /expected the issuer URL without a trailing slash/,
  },
  "flag as text": {
    raw: { ...minimal, oidc: { enabled: "maybe" } },
    key: "oidc.enabled",
    value: "maybe",
    fix: /true or false/,
  },
  "flag given as a quoted false": {
    raw: { ...minimal, reset: { allowed: "no" } },
    key: "reset.allowed",
    value: "no",
    fix: /true or false/,
  },
  "no scopes": { raw: { ...minimal, oidc: { scopes: [] } }, key: "oidc.scopes", value: [], fix: /at least one scope/ },
  "bad clientSecretFrom": {
    raw: { ...minimal, oidc: { clientSecretFrom: "env" } },
    key: "oidc.clientSecretFrom",
    value: "env",
    fix: /"django" or "config"/,
  },
  "upper-case admin": {
    raw: { ...minimal, admin: { username: "Admin" } },
    key: "admin.username",
    value: "Admin",
    fix: /a Matrix localpart/,
  },
  "start timeout too short": {
    raw: { ...minimal, synapse: { startTimeoutSeconds: 10 } },
    key: "synapse.startTimeoutSeconds",
    value: 10,
    fix: /from 30 to 1800/,
  },
  "section that is no map": {
    raw: { ...minimal, synapse: "matrixdotorg/synapse:v1.99.0" },
    key: "synapse",
    value: "matrixdotorg/synapse:v1.99.0",
    fix: /a map of keys/,
  },
  "unknown key": {
    raw: { ...minimal, synapseImage: "x:1" },
    key: "synapseImage",
    value: "x:1",
    fix: /expected a known key.*Fix: pulumi config rm synapseImage/,
  },
  "unknown nested key": {
    raw: { ...minimal, oidc: { clientID: "x" } },
    key: "oidc.clientID",
    value: "x",
    fix: /expected a known key.*Fix: pulumi config rm --path oidc\.clientID/,
  },
  "the former public-ports knob": {
    raw: { ...minimal, allowPublicPorts: true },
    key: "allowPublicPorts",
    value: true,
    fix: /expected a known key/,
  },
  "exec without container": {
    raw: { ...minimal, django: { exec: { command: ["docker", "exec", "-i"] } } },
    key: "django.exec",
    value: { command: ["docker", "exec", "-i"] },
    fix: /expected "container" whenever "command" is set/,
  },
  "exec command as text": {
    raw: { ...minimal, synapse: { exec: { command: "docker exec -i", container: "x" } } },
    key: "synapse.exec.command",
    value: "docker exec -i",
    fix: /a list of words such as \[docker, exec, -i\]/,
  },
  "old synapse": {
    raw: { ...minimal, synapse: { image: "matrixdotorg/synapse:v1.80.0" } },
    key: "synapse.image",
    value: "matrixdotorg/synapse:v1.80.0",
    fix: /expected Synapse 1\.91\.0 or newer/,
  },
  "unversioned tag": {
    raw: { ...minimal, synapse: { image: "registry.local/synapse:stable" } },
    key: "synapse.version",
    value: MISSING,
    fix: /expected the Synapse version of image.*Fix: pulumi config set --path synapse\.version/,
  },
  "secret in extra settings": {
    raw: { ...minimal, synapse: { extraSettings: { form_secret: "abc" } } },
    key: "synapse.extraSettings.form_secret",
    value: "(hidden)",
    fix: /expected no key that carries a secret/,
  },
  "http base url with OIDC": {
    raw: { ...minimal, publicBaseUrl: "http://matrix.yourhospital.com/" },
    key: "publicBaseUrl",
    value: "http://matrix.yourhospital.com/",
    fix: /expected an https:\/\/ URL while OIDC is enabled/,
  },
  "no login method": {
    raw: { ...minimal, oidc: { enabled: false } },
    key: "synapse.passwordLogin",
    value: false,
    fix: /expected true when oidc\.enabled is false.*Fix: pulumi config set --path synapse\.passwordLogin true/,
  },
  "hooks without OIDC": {
    raw: {
      ...minimal,
      oidc: { enabled: false },
      synapse: { passwordLogin: true },
      afterReset: [{ command: ["setup_matrix_bot"] }],
    },
    key: "afterReset",
    value: 1,
    fix: /expected no hooks while oidc\.enabled is false/,
  },
  "hook without command": {
    raw: { ...minimal, afterReset: [{ capture: ["TOKEN"] }] },
    key: "afterReset[0].command",
    value: MISSING,
    fix: /a management command .*required\. Fix: pulumi config set --path 'afterReset\[0\]\.command\[0\]' setup_matrix_bot/,
  },
  "bad capture key": {
    raw: { ...minimal, afterReset: [{ command: ["setup_matrix_bot"], capture: ["bot-token"] }] },
    key: "afterReset[0].capture[0]",
    value: "bot-token",
    fix: /expected an environment variable name/,
  },
  "missing module file": {
    raw: {
      ...minimal,
      synapse: { modules: [{ module: "eqmd_policy.EqmdPolicyModule", files: ["nope/eqmd_policy.py"] }] },
    },
    key: "synapse.modules[0].files[0]",
    value: "nope/eqmd_policy.py",
    fix: /expected a readable file/,
  },
  "bad module name": {
    raw: { ...minimal, synapse: { modules: [{ module: "eqmd_policy" }] } },
    key: "synapse.modules[0].module",
    value: "eqmd_policy",
    fix: /"package\.ClassName"/,
  },
  "bad docker host": {
    raw: { ...minimal, dockerHost: "myhost:2375" },
    key: "dockerHost",
    value: "myhost:2375",
    fix: /expected a Docker host URL/,
  },
  "hook with both command and builtin": {
    raw: { ...minimal, afterReset: [{ command: ["matrix_provision_rooms"], builtin: "clearStaleRooms" }] },
    key: "afterReset[0].builtin",
    value: "clearStaleRooms",
    fix: /expected either command or builtin in one hook, not both/,
  },
  "unknown builtin step": {
    raw: { ...minimal, afterReset: [{ builtin: "dropAllRooms" }] },
    key: "afterReset[0].builtin",
    value: "dropAllRooms",
    fix: /expected one of the program's own steps: clearStaleRooms, checkLocalparts/,
  },
  "capture on a builtin step": {
    raw: { ...minimal, afterReset: [{ builtin: "clearStaleRooms", capture: ["X"] }] },
    key: "afterReset[0].capture",
    value: ["X"],
    fix: /expected no capture on a builtin step/,
  },
  "failOnWarnings as text": {
    raw: { ...minimal, afterReset: [{ command: ["matrix_provision_rooms"], failOnWarnings: "yes" }] },
    key: "afterReset[0].failOnWarnings",
    value: "yes",
    fix: /expected true or false \(without quotes\)/,
  },
  "checkLocalparts on a hook that creates no accounts": {
    raw: { ...minimal, afterReset: [{ command: ["setup_matrix_bot"], checkLocalparts: true }] },
    key: "afterReset[0].checkLocalparts",
    value: true,
    fix: /expected checkLocalparts only on a hook that creates accounts \(matrix_provision_rooms, matrix_sync_lifecycle\); remove it from this hook/,
  },
  "rateLimitExempt as text": {
    raw: { ...minimal, synapse: { rateLimitExempt: "off" } },
    key: "synapse.rateLimitExempt",
    value: "off",
    fix: /expected true or false \(without quotes\)/,
  },
  "checkLocalparts as text": {
    raw: { ...minimal, afterReset: [{ command: ["matrix_provision_rooms"], checkLocalparts: "no" }] },
    key: "afterReset[0].checkLocalparts",
    value: "no",
    fix: /expected true or false \(without quotes\)/,
  },
  "hook enabled as a number": {
    raw: { ...minimal, afterReset: [{ command: ["matrix_sync_lifecycle"], enabled: 1 }] },
    key: "afterReset[0].enabled",
    value: 1,
    fix: /expected true or false/,
  },
  ".env: MATRIX_FQDN of another server": {
    raw: {
      ...minimal,
      envFile: eqmdEnv("fqdn", ["EQMD_DOMAIN=yourhospital.com", "MATRIX_FQDN=chat.${EQMD_DOMAIN}"]),
    },
    key: "MATRIX_FQDN",
    value: "chat.yourhospital.com",
    fix: /expected "matrix\.yourhospital\.com", the stack's Matrix server name \(matrixFqdn\).*Fix: set MATRIX_FQDN=matrix\.yourhospital\.com in .*fqdn\.env .*or, if the \.env is right, pulumi config set matrixFqdn chat\.yourhospital\.com/,
  },
  ".env: no MATRIX_FQDN": {
    raw: { ...minimal, envFile: eqmdEnv("nofqdn", ["# eqmd", "DJANGO_DEBUG=0"]) },
    key: "MATRIX_FQDN",
    value: MISSING,
    fix: /builds Matrix ids on "matrix\.local".*Fix: add MATRIX_FQDN=matrix\.yourhospital\.com to /,
  },
  ".env: another OIDC provider id": {
    raw: {
      ...minimal,
      envFile: eqmdEnv("idp", ["MATRIX_FQDN=matrix.yourhospital.com", "SYNAPSE_OIDC_PROVIDER_ID=hospitalx"]),
    },
    key: "SYNAPSE_OIDC_PROVIDER_ID",
    value: "hospitalx",
    fix: /expected "equipemed", the stack's oidc\.providerId: eqmd links every Matrix account to "oidc-hospitalx".*Fix: pulumi config set --path oidc\.providerId hospitalx/,
  },
  ".env: bot id other than the policy module's": {
    raw: {
      ...minimal,
      synapse: {
        modules: [
          { module: "eqmd_policy.EqmdPolicyModule", config: { bot_user_id: "@rzero:matrix.yourhospital.com" } },
        ],
      },
      envFile: eqmdEnv("bot", [
        "MATRIX_FQDN=matrix.yourhospital.com",
        "MATRIX_BOT_USER_ID=@rzero_bot:matrix.yourhospital.com",
      ]),
    },
    key: "MATRIX_BOT_USER_ID",
    value: "@rzero_bot:matrix.yourhospital.com",
    fix: /expected "@rzero:matrix\.yourhospital\.com", the bot the stack names in synapse\.modules\[0\]\.config\.bot_user_id.*Fix: set MATRIX_BOT_USER_ID=@rzero:matrix\.yourhospital\.com in .*, or, if the \.env is right, pulumi config set --path 'synapse\.modules\[0\]\.config\.bot_user_id' @rzero_bot:matrix\.yourhospital\.com/,
  },
  ".env: bot on another server": {
    raw: {
      ...minimal,
      envFile: eqmdEnv("botserver", [
        "MATRIX_FQDN=matrix.yourhospital.com",
        "MATRIX_BOT_USER_ID=@rzero_bot:matrix.local",
      ]),
    },
    key: "MATRIX_BOT_USER_ID",
    value: "@rzero_bot:matrix.local",
    fix: /expected a Matrix id on this server, "@<localpart>:matrix\.yourhospital\.com".*Fix: set MATRIX_BOT_USER_ID=@rzero_bot:matrix\.yourhospital\.com in /,
  },
  ".env: a value this check cannot read": {
    raw: { ...minimal, envFile: eqmdEnv("interp", ["MATRIX_FQDN=matrix.${HOST_DOMAIN}"]) },
    key: "MATRIX_FQDN",
    value: "matrix.${HOST_DOMAIN}",
    fix: /refers to a variable that is not set above it.*Fix: write the literal value: MATRIX_FQDN=<value> in /,
  },
  "envFile without a path": {
    raw: { ...minimal, envFile: { recreateCommand: [] } },
    key: "envFile.path",
    value: MISSING,
    fix: /required\. Fix: pulumi config set --path envFile\.path \/opt\/eqmd\/\.env/,
  },
  "managed PostgreSQL outside dev": {
    raw: { ...minimal, postgres: { mode: "managed" } },
    stack: "prod",
    key: "postgres.mode",
    value: "managed",
    fix: /"external" on stack "prod": the managed PostgreSQL container is for dev stacks/,
  },
  "operator-managed client secret not set": {
    raw: { ...minimal, oidc: { clientSecretFrom: "config" } },
    key: "oidcClientSecret",
    value: MISSING,
    fix: /required then\. Fix: pulumi config set --secret oidcClientSecret/,
  },
  "PostgreSQL password in plain text": {
    raw: { ...minimal, postgresAdminPassword: "hunter2-in-the-clear" },
    key: "postgresAdminPassword",
    value: SECRET,
    fix: /expected an encrypted secret.*Fix: pulumi config set --secret postgresAdminPassword/,
  },
  "OIDC client secret in plain text": {
    raw: { ...minimal, oidc: { clientSecretFrom: "config" }, oidcClientSecret: "s3cr3t-in-the-clear" },
    key: "oidcClientSecret",
    value: SECRET,
    fix: /Fix: pulumi config set --secret oidcClientSecret/,
  },
  "pinning as text": {
    raw: { ...minimal, element: { messagePinning: "yes" } },
    key: "element.messagePinning",
    value: "yes",
    fix: /expected true or false \(without quotes\)/,
  },
  "presence as a number": {
    raw: { ...minimal, element: { showPresence: 0 } },
    key: "element.showPresence",
    value: 0,
    fix: /expected true or false/,
  },
  "terms links as one URL": {
    raw: { ...minimal, element: { termsLinks: "https://yourhospital.com/privacy-policy" } },
    key: "element.termsLinks",
    value: "https://yourhospital.com/privacy-policy",
    fix: /expected a list of links: \[\{text: <shown text>, url: <http\(s\) URL>\}/,
  },
  "terms link without text": {
    raw: { ...minimal, element: { termsLinks: [{ url: "https://yourhospital.com/privacy-policy" }] } },
    key: "element.termsLinks[0].text",
    value: MISSING,
    fix: /the link's text, such as Privacy Policy; this key is required\. Fix: pulumi config set --path 'element\.termsLinks\[0\]\.text' 'Privacy Policy'/,
  },
  "terms link with a relative URL": {
    raw: { ...minimal, element: { termsLinks: [{ text: "Privacy Policy", url: "/privacy-policy" }] } },
    key: "element.termsLinks[0].url",
    value: "/privacy-policy",
    fix: /expected an http\(s\) URL such as "https:\/\/yourhospital\.com\/privacy-policy"/,
  },
  "terms link with an unknown key": {
    raw: { ...minimal, element: { termsLinks: [{ text: "Privacy", url: "https://x.org/p", label: "x" }] } },
    key: "element.termsLinks[0].label",
    value: "x",
    fix: /expected a known key.*Fix: pulumi config rm --path element\.termsLinks\[0\]\.label/,
  },
  "home page without scheme": {
    raw: { ...minimal, element: { homeUrl: "yourhospital.com" } },
    key: "element.homeUrl",
    value: "yourhospital.com",
    fix: /expected an http\(s\) URL such as "https:\/\/yourhospital\.com\/"/,
  },
  "file log as a flag": {
    raw: { ...minimal, synapse: { fileLog: true } },
    key: "synapse.fileLog",
    value: true,
    fix: /expected a map such as \{keep: 3\}.*remove the key to log to stdout only/,
  },
  "file log keeping a negative count": {
    raw: { ...minimal, synapse: { fileLog: { keep: -1 } } },
    key: "synapse.fileLog.keep",
    value: -1,
    fix: /expected a number of rotated log files to keep \(one a day\), from 0 to 366/,
  },
  "file log with a path": {
    raw: { ...minimal, synapse: { fileLog: { path: "/var/log/synapse.log" } } },
    key: "synapse.fileLog.path",
    value: "/var/log/synapse.log",
    fix: /expected a known key/,
  },
  "a secret given to an unknown key": {
    raw: { ...minimal, postgresPassword: "typo-but-secret" },
    secretKeys: ["postgresPassword"],
    key: "postgresPassword",
    value: SECRET,
    fix: /expected a known key/,
  },
};

/** The stack config as the engine passes it: "<namespace>:<key>" → text (JSON for non-strings). */
function engineConfig(raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [`eqmd-matrix:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** loadConfig under mocks for this stack config; the error it throws. */
async function rejection(bad: Pick<BadInput, "raw" | "secretKeys" | "stack">): Promise<StackConfigError> {
  await pulumi.runtime.setMocks(
    { newResource: (a) => ({ id: a.name, state: a.inputs as Record<string, unknown> }), call: () => ({}) },
    "eqmd-matrix",
    bad.stack ?? "prod",
    false,
  );
  pulumi.runtime.setAllConfig(
    engineConfig(bad.raw),
    (bad.secretKeys ?? []).map((k) => `eqmd-matrix:${k}`),
  );
  try {
    loadConfig(REPO_ROOT);
  } catch (err) {
    assert.ok(err instanceof StackConfigError, `expected StackConfigError, got ${String(err)}`);
    assert.ok(pulumi.RunError.isInstance(err), "a RunError: the engine shows the problems without a stack trace");
    return err;
  }
  assert.fail("expected the config to be rejected");
}

/** Where the message says the problem is: `eqmd-matrix:<key>`, or `<file>: <key>` for eqmd's .env. */
const whereOf = (issue: ConfigIssue, key = issue.key) => (issue.file ? `${issue.file}: ${key}` : `eqmd-matrix:${key}`);

function lineOf(err: StackConfigError, issue: ConfigIssue): string {
  const line = err.message.split("\n").find((l) => l.startsWith(`  - ${whereOf(issue)} `));
  assert.ok(line, `no line for ${issue.key} in:\n${err.message}`);
  return line;
}

describe("the catalogue of bad inputs: key, value and fix, in plain words", () => {
  test("holds at least 40 distinct bad inputs", () => {
    const distinct = new Set(Object.values(CATALOGUE).map((c) => JSON.stringify([c.raw, c.secretKeys, c.stack])));
    assert.ok(distinct.size >= 40, `only ${distinct.size} distinct inputs`);
  });

  for (const [name, bad] of Object.entries(CATALOGUE)) {
    test(name, async () => {
      const err = await rejection(bad);
      const issue = err.issues.find((i) => i.key === bad.key);
      assert.ok(issue, `no issue for ${bad.key}; got ${err.issues.map((i) => i.key).join(", ")}`);
      const line = lineOf(err, issue);
      if (bad.value === MISSING) {
        assert.equal(issue.value, undefined);
        assert.match(line, new RegExp(`${escape(whereOf(issue, bad.key))} is missing: expected`));
      } else if (bad.value === SECRET) {
        assert.match(line, new RegExp(`${escape(whereOf(issue, bad.key))} = \\(secret, not shown\\): expected`));
      } else {
        assert.deepEqual(issue.value, bad.value);
        assert.ok(line.includes(`${whereOf(issue, bad.key)} = ${JSON.stringify(bad.value)}: expected `), line);
      }
      assert.match(line, bad.fix);
      assert.doesNotMatch(err.message, LIBRARY_TEXT);
      for (const key of [...(bad.secretKeys ?? []), "postgresAdminPassword", "oidcClientSecret"]) {
        const secret = bad.raw[key];
        if (typeof secret === "string") assert.ok(!err.message.includes(secret), `${key}'s value leaked`);
      }
    });
  }
});

describe("every problem in one round", () => {
  test("cross-key rules run on the keys that parsed, beside the keys that did not", async () => {
    const err = await rejection({ raw: { ...minimal, uid: "x", element: { port: 8080 }, oidc: { enabled: false } } });
    assert.deepEqual(err.issues.map((i) => i.key).sort(), ["element.port", "synapse.passwordLogin", "uid"]);
    assert.match(err.message, /3 problems/);
  });

  test("a rule is skipped when a key it reads failed (no knock-on problem)", async () => {
    const err = await rejection({ raw: { ...minimal, oidc: { enabled: "no" } } });
    assert.deepEqual(
      err.issues.map((i) => i.key),
      ["oidc.enabled"],
    );
  });

  test("a missing required key does not hide the others", async () => {
    const err = await rejection({ raw: { gid: -5, database: { cpMin: 9, cpMax: 3 } } });
    assert.deepEqual(err.issues.map((i) => i.key).sort(), ["database.cpMax", "eqmdDomain", "gid"]);
  });

  test("an unreadable file is reported with the config's problems", async () => {
    const err = await rejection({
      raw: { ...minimal, uid: 0, element: { customCssFile: "no/such.css" } },
    });
    assert.deepEqual(err.issues.map((i) => i.key).sort(), ["element.customCssFile", "uid"]);
  });
});

describe("secrets must be secret", () => {
  test("the same keys pass when the engine stores them encrypted", async () => {
    await pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: a.name, state: a.inputs as Record<string, unknown> }), call: () => ({}) },
      "eqmd-matrix",
      "prod",
      false,
    );
    pulumi.runtime.setAllConfig(
      engineConfig({
        ...minimal,
        oidc: { clientSecretFrom: "config" },
        oidcClientSecret: "x",
        postgresAdminPassword: "y",
      }),
      ["eqmd-matrix:oidcClientSecret", "eqmd-matrix:postgresAdminPassword"],
    );
    const loaded = loadConfig(REPO_ROOT);
    assert.ok(loaded.secrets.oidcClientSecret && loaded.secrets.postgresAdminPassword);
    assert.equal(await pulumi.isSecret(loaded.secrets.postgresAdminPassword), true);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
