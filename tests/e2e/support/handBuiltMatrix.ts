/**
 * Matrix built on the eqmd stand-in the way eqmd's hand procedure builds it, for the adopt
 * test to take over (eqmd-facts §11–12):
 *
 *  1. bootstrap_matrix_db.py's SQL as eqmd_user: `matrix_db` (UTF8, C, C; owned by eqmd_user)
 *     and the login role `matrix_user` with MATRIX_DATABASE_PASSWORD, plus its grants;
 *  2. `matrix/homeserver.yaml` in eqmd's checkout, reduced from eqmd's template to what the
 *     adopt meets, with the registration_shared_secret the procedure adds by hand, and a
 *     signing key; `element/config.json`;
 *  3. `docker-compose up -d matrix-synapse element-web` (eqmd's services, Synapse at eqmd's
 *     pin 1.99.0): compose creates the media volume `<prefix>_matrix_media_store`, made
 *     writable for EQMD_UID;
 *  4. the admin through the shared-secret admin API (password login is off, eqmd-facts A2) and
 *     its token into `.env` as SYNAPSE_ADMIN_TOKEN;
 *  5. what users leave behind: an account, a room with messages, an upload.
 *
 * Left out of the template on purpose: oidc_providers (the adopt carries no OIDC state; the
 * stack declares its own client), log_config (stdout only) and eqmd's policy module (off in the
 * prod example).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { renderSigningKey } from "../../../render/signingKey";
import { eqmdBootstrapSql } from "../../contract/support/eqmdBootstrap";
import { clientWithToken, uploadMedia } from "../../contract/support/matrixClient";
import { registrationMac } from "../../support/registrationMac";
import { PE2E_EQMD_DIR } from "../prodDifferences";
import { docker } from "./docker";
import { EqmdStandIn, HAND_SYNAPSE_PORT } from "./eqmdStandIn";
import { BASE_IMAGE } from "./images";

export const HAND_DATABASE = "matrix_db";
export const HAND_ROLE = "matrix_user";
const SERVER_NAME = "matrix.yourhospital.com";
const UID = 1001;

export interface HandAccount {
  readonly localpart: string;
  readonly userId: string;
  readonly accessToken: string;
}

export interface HandBuiltMatrix {
  /** MATRIX_DATABASE_PASSWORD of the hand install (the stack replaces it). */
  readonly databasePassword: string;
  readonly admin: HandAccount;
  readonly alice: HandAccount;
  readonly roomId: string;
  /** The texts alice sent, oldest first. */
  readonly messages: readonly string[];
  readonly upload: { readonly mxc: string; readonly bytes: Buffer };
}

const MESSAGES = ["Plantão de hoje: leito 12 reavaliado", "Exames do leito 7 chegaram", "Alta do leito 3 às 14h"];

function homeserverYaml(databasePassword: string, sharedSecret: string): string {
  const config = {
    server_name: SERVER_NAME,
    pid_file: "/data/homeserver.pid",
    public_baseurl: `https://${SERVER_NAME}/`,
    listeners: [
      { port: 8008, tls: false, type: "http", x_forwarded: true, resources: [{ names: ["client"], compress: false }] },
    ],
    database: {
      name: "psycopg2",
      args: {
        user: HAND_ROLE,
        password: databasePassword,
        database: HAND_DATABASE,
        host: "postgres",
        port: 5432,
        cp_min: 5,
        cp_max: 10,
      },
    },
    media_store_path: "/data/media_store",
    max_upload_size: "50M",
    enable_registration: false,
    report_stats: false,
    enable_metrics: false,
    signing_key_path: "/data/signing.key",
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    federation_domain_whitelist: [],
    password_config: { enabled: false },
    // Added by hand after the first start (hand procedure step 6.1).
    registration_shared_secret: sharedSecret,
  };
  return `# eqmd's homeserver.yaml.template, reduced (tests/e2e/support/handBuiltMatrix.ts).\n${stringify(config)}`;
}

function elementConfig(): string {
  return `${JSON.stringify(
    {
      default_server_config: { "m.homeserver": { base_url: `https://${SERVER_NAME}/`, server_name: SERVER_NAME } },
      brand: "EquipeMed Chat",
      disable_guests: true,
      disable_3pid_login: true,
      sso_redirect_options: { immediate: true },
    },
    null,
    2,
  )}\n`;
}

/** Writes eqmd's `matrix/` and `element/` folders as the generator leaves them (owned by EQMD_UID). */
function writeConfigs(databasePassword: string, sharedSecret: string): void {
  const matrix = path.join(PE2E_EQMD_DIR, "matrix");
  const element = path.join(PE2E_EQMD_DIR, "element");
  fs.mkdirSync(matrix, { recursive: true, mode: 0o750 });
  fs.mkdirSync(element, { recursive: true, mode: 0o755 });
  const files: [string, string][] = [
    [path.join(matrix, "homeserver.yaml"), homeserverYaml(databasePassword, sharedSecret)],
    [path.join(matrix, "signing.key"), renderSigningKey("a_hand", randomBytes(32).toString("base64"))],
  ];
  for (const [file, content] of files) {
    fs.writeFileSync(file, content, { mode: 0o600 });
    fs.chownSync(file, UID, UID);
  }
  fs.chownSync(matrix, UID, UID);
  fs.writeFileSync(path.join(element, "config.json"), elementConfig(), { mode: 0o644 });
}

async function register(
  baseUrl: string,
  sharedSecret: string,
  localpart: string,
  admin: boolean,
): Promise<HandAccount> {
  const url = `${baseUrl}/_synapse/admin/v1/register`;
  const signal = (): AbortSignal => AbortSignal.timeout(15_000);
  const { nonce } = (await (await fetch(url, { signal: signal() })).json()) as { nonce: string };
  const password = randomBytes(12).toString("hex");
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      nonce,
      username: localpart,
      password,
      admin,
      mac: registrationMac(sharedSecret, nonce, localpart, password, admin),
    }),
    signal: signal(),
  });
  const body = (await response.json()) as { user_id?: string; access_token?: string };
  if (response.status !== 200 || !body.user_id || !body.access_token)
    throw new Error(`registering ${localpart} on the hand-built Synapse: ${response.status} ${JSON.stringify(body)}`);
  return { localpart, userId: body.user_id, accessToken: body.access_token };
}

/** Runs the hand procedure on a stand-in started with `matrixServices`; returns what it left. */
export async function buildMatrixByHand(
  eqmd: EqmdStandIn,
  containers: { synapse: string; mediaVolume: string },
): Promise<HandBuiltMatrix> {
  const databasePassword = randomBytes(16).toString("hex");
  const sharedSecret = randomBytes(32).toString("hex");

  const bootstrap = eqmdBootstrapSql(HAND_DATABASE, HAND_ROLE, databasePassword);
  // CREATE DATABASE cannot run inside a transaction: one statement per psql call.
  for (const statement of bootstrap.admin) await eqmd.sql(`${statement};`, "postgres");
  await eqmd.sql(bootstrap.inDatabase.map((s) => `${s};`).join("\n"), HAND_DATABASE);
  eqmd.setEnv("MATRIX_DATABASE_PASSWORD", databasePassword);

  writeConfigs(databasePassword, sharedSecret);
  await eqmd.compose(["up", "-d", "matrix-synapse", "element-web"]);
  // eqmd's own image has /data/media_store owned by its build UID, so a new volume starts out
  // writable; the stand-in has no /data, so the volume compose made is chowned by hand (the
  // job of eqmd's scripts/setup_matrix_permissions.sh).
  await docker([
    "run",
    "--rm",
    "-v",
    `${containers.mediaVolume}:/media`,
    BASE_IMAGE,
    "chown",
    `${UID}:${UID}`,
    "/media",
  ]);
  await eqmd.healthy(containers.synapse, 180_000);

  const baseUrl = `http://127.0.0.1:${HAND_SYNAPSE_PORT}`;
  const admin = await register(baseUrl, sharedSecret, "admin", true);
  eqmd.setEnv("SYNAPSE_ADMIN_TOKEN", admin.accessToken);
  const alice = await register(baseUrl, sharedSecret, "alice", false);

  const client = clientWithToken(baseUrl, alice.accessToken, alice.userId);
  const { room_id: roomId } = await client.createRoom({ name: "Equipe - Todos" });
  for (const text of MESSAGES) await client.sendTextMessage(roomId, text);
  const bytes = randomBytes(8192);
  const mxc = await uploadMedia(client, bytes, "raio-x.bin", "application/octet-stream");
  return { databasePassword, admin, alice, roomId, messages: MESSAGES, upload: { mxc, bytes } };
}
