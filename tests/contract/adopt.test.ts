/**
 * Adopting a hand-built eqmd Matrix, and the upgrade from eqmd's pin (issue 12, items 1 and 9),
 * against this machine's real PostgreSQL and real Synapse venvs:
 *
 *  1. the role and database made with the SQL of eqmd's bootstrap_matrix_db.py;
 *  2. Synapse 1.99.0 (eqmd's pin) run on them as the hand procedure leaves it (its own signing
 *     key, only a registration_shared_secret): two accounts, a room with messages, an upload;
 *  3. `npm run adopt`'s inspection (psql on pg_roles / pg_database and Synapse's tables) and
 *     checks: adoptable as they are, imported under their own names;
 *  4. its refusals on real objects: a third owner, another encoding, another locale, another
 *     server name, a superuser role;
 *  5. the in-place changes the first `up` makes to the adopted objects (owner, password);
 *  6. the current Synapse, with the program's files and its new secrets, on the same database
 *     and media store: it migrates the schema, the accounts log in, the room history and the
 *     upload are all there.
 *
 * This tier has no Docker engine: the media store is a host folder standing for the volume,
 * and the volume and containers part of the adopt (docker inspect, the import, the preview and
 * the replacement of the hand-made containers) is covered by tests/adopt under fakes and left
 * to the end-to-end tier. A report of what was checked prints at the end.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { Direction } from "matrix-js-sdk";
import { checkObjects } from "../../ops/adopt/checks";
import { importPlan } from "../../ops/adopt/importPlan";
import { inspectPostgres } from "../../ops/adopt/inspect";
import { AdoptTarget, targetFrom } from "../../ops/adopt/target";
import { HostObjects } from "../../ops/adopt/types";
import { runCommand as hostCommand } from "../../ops/reset/node";
import { EQMD_SYNAPSE_VERSION, SYNAPSE_VERSION } from "../../config/versions";
import { SYNAPSE_PATHS } from "../../render/paths";
import { renderSigningKey } from "../../render/signingKey";
import { registrationMac } from "../support/registrationMac";
import { runProgram } from "../support/programHarness";
import { databaseFacts, dropDeclared } from "./support/database";
import { eqmdBootstrapSql } from "./support/eqmdBootstrap";
import { freePort } from "./support/freePort";
import { clientWithToken, downloadMedia, localMediaPath, uploadMedia } from "./support/matrixClient";
import { WORK_DIR, synapseVenv } from "./support/paths";
import { runningProcesses, stopAll } from "./support/processes";
import {
  CONTRACT_STACK,
  CONTRACT_STACK_FILE,
  Declared,
  DeclaredSynapse,
  readStackConfigFile,
  runTimeOverrides,
  RunTimeValues,
} from "./support/program";
import { psql, sqlIdent, sqlLiteral } from "./support/psql";
import { SynapseHandle, startSynapse } from "./support/synapse";

const RUN_ID = String(process.pid);
const PREFIX = `ct_matrix_adopt_${RUN_ID}`;
const STEP = { timeout: 240_000 };
const runDir = path.join(WORK_DIR, `adopt-${RUN_ID}`);
const mediaDir = path.join(runDir, "media_store");
/** MATRIX_DATABASE_PASSWORD of the hand-built install. */
const EQMD_DB_PASSWORD = randomBytes(12).toString("hex");
/** The message texts, oldest first. */
const MESSAGES = ["Plantão de hoje: leito 12 reavaliado", "Exames do leito 7 chegaram", "Alta do leito 3 às 14h"];

interface Account {
  readonly localpart: string;
  readonly password: string;
  userId?: string;
  token?: string;
}

const state: {
  values?: RunTimeValues;
  synapse?: SynapseHandle;
  alice: Account;
  bob: Account;
  roomId?: string;
  media?: { mxc: string; bytes: Buffer; diskPath: string };
  schemaBefore?: number;
  target?: AdoptTarget;
  found?: HostObjects;
  report: string[];
  extra: { databases: string[]; roles: string[] };
} = {
  alice: { localpart: "alice", password: randomBytes(9).toString("hex") },
  bob: { localpart: "bob", password: randomBytes(9).toString("hex") },
  report: [],
  extra: { databases: [], roles: [] },
};

const sql = (statements: string, database?: string) => psql(statements, { database });
const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`${what} is missing (an earlier step failed)`);
  return value;
};

after(async () => {
  await stopAll();
  const values = state.values;
  if (values) await dropDeclared(sql, values.role, values.database).catch((e: unknown) => console.error(String(e)));
  for (const db of state.extra.databases)
    await sql(`DROP DATABASE IF EXISTS ${sqlIdent(db)} WITH (FORCE);`).catch(() => 0);
  for (const role of state.extra.roles) await sql(`DROP ROLE IF EXISTS ${sqlIdent(role)};`).catch(() => 0);
  const left = await sql(
    `SELECT datname FROM pg_database WHERE datname LIKE ${sqlLiteral(`${PREFIX}%`)}
     UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE ${sqlLiteral(`${PREFIX}%`)}`,
  );
  console.log(
    [`Adopt and upgrade (Synapse ${EQMD_SYNAPSE_VERSION} → ${SYNAPSE_VERSION}), what was checked:`, ...state.report]
      .map((l, i) => (i === 0 ? l : `  - ${l}`))
      .join("\n"),
  );
  assert.deepEqual(runningProcesses(), [], "processes left running");
  assert.equal(left, "", `databases/roles left behind: ${left}`);
  fs.rmSync(runDir, { recursive: true, force: true });
});

/** The contract stack's overrides for this run: no OIDC (not under test here), password login on. */
function overrides(values: RunTimeValues): Record<string, unknown> {
  const o = runTimeOverrides(values);
  o["eqmd-matrix:oidc"] = { enabled: false };
  o["eqmd-matrix:afterReset"] = null; // eqmd's Django hooks need OIDC
  o["eqmd-matrix:synapse"] = { ...(o["eqmd-matrix:synapse"] as Record<string, unknown>), passwordLogin: true };
  return o;
}

function record(version: string): Declared {
  const values = { ...need(state.values, "the run's names"), synapseVersion: version };
  return new Declared(runProgram(CONTRACT_STACK_FILE, { stack: CONTRACT_STACK, overrides: overrides(values) }));
}

/** The stack config as the Automation API hands it to the adopt (`{ value: text }` per key). */
function stackConfig(): Record<string, { value: string }> {
  const merged: Record<string, unknown> = {
    ...readStackConfigFile(CONTRACT_STACK_FILE),
    ...overrides(need(state.values, "names")),
  };
  const entries: Record<string, { value: string }> = {};
  for (const [key, value] of Object.entries(merged)) {
    if (value !== null) entries[key] = { value: typeof value === "string" ? value : JSON.stringify(value) };
  }
  return entries;
}

async function start(version: string, files: DeclaredSynapse, label: string): Promise<SynapseHandle> {
  fs.mkdirSync(runDir, { recursive: true, mode: 0o755 });
  const synapse = await startSynapse({
    venv: synapseVenv(version),
    files: files.files,
    configPaths: files.configPaths,
    port: need(state.values, "names").synapsePort,
    env: files.env,
    mounts: { [SYNAPSE_PATHS.mediaStore]: mediaDir },
    runAs: files.user,
    root: fs.mkdtempSync(path.join(runDir, `synapse-${label}-`)),
  });
  state.synapse = synapse;
  return synapse;
}

async function registerAccount(baseUrl: string, sharedSecret: string, account: Account): Promise<void> {
  const nonce = ((await (await fetch(`${baseUrl}/_synapse/admin/v1/register`)).json()) as { nonce: string }).nonce;
  const response = await fetch(`${baseUrl}/_synapse/admin/v1/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      nonce,
      username: account.localpart,
      password: account.password,
      admin: false,
      mac: registrationMac(sharedSecret, nonce, account.localpart, account.password, false),
    }),
  });
  const body = (await response.json()) as { user_id?: string; access_token?: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  account.userId = body.user_id;
  account.token = body.access_token;
}

async function passwordLogin(baseUrl: string, account: Account): Promise<string> {
  const response = await fetch(`${baseUrl}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      type: "m.login.password",
      identifier: { type: "m.id.user", user: account.localpart },
      password: account.password,
    }),
  });
  const body = (await response.json()) as { access_token?: string; user_id?: string };
  assert.equal(response.status, 200, `${account.localpart} logs in: ${JSON.stringify(body)}`);
  assert.equal(body.user_id, account.userId);
  return need(body.access_token, "access token");
}

async function schemaVersion(database: string): Promise<number> {
  return Number(await sql("SELECT max(version) FROM schema_version", database));
}

describe(`a hand-built eqmd Matrix on Synapse ${EQMD_SYNAPSE_VERSION}, adopted, then upgraded to ${SYNAPSE_VERSION}`, () => {
  test("1. role and database made with the SQL of eqmd's bootstrap_matrix_db.py", STEP, async () => {
    const synapsePort = await freePort();
    state.values = {
      synapsePort,
      providerPort: synapsePort + 1,
      database: `${PREFIX}_db`,
      role: `${PREFIX}_user`,
      envFilePath: path.join(runDir, "eqmd.env"),
      synapseVersion: EQMD_SYNAPSE_VERSION,
    };
    const bootstrap = eqmdBootstrapSql(state.values.database, state.values.role, EQMD_DB_PASSWORD);
    for (const statement of bootstrap.admin) await sql(`${statement};`);
    await sql(bootstrap.inDatabase.map((s) => `${s};`).join("\n"), state.values.database);
    const facts = await databaseFacts(sql, state.values.database);
    assert.deepEqual(facts, { encoding: "UTF8", collate: "C", ctype: "C", owner: "postgres" });
    state.report.push(
      `eqmd's bootstrap SQL: database ${state.values.database} UTF8/C/C owned by the admin (postgres), login role ${state.values.role}`,
    );
  });

  test(
    `2. Synapse ${EQMD_SYNAPSE_VERSION} as the hand procedure runs it: accounts, a room with messages, an upload`,
    STEP,
    async () => {
      const declared = record(EQMD_SYNAPSE_VERSION).synapse();
      // The hand procedure's secrets: its own signing key and only a registration_shared_secret
      // (eqmd's template has no macaroon_secret_key or form_secret).
      const sharedSecret = randomBytes(32).toString("hex");
      const files = {
        ...declared,
        files: {
          ...declared.files,
          [SYNAPSE_PATHS.secrets]: {
            ...declared.files[SYNAPSE_PATHS.secrets],
            content: `registration_shared_secret: "${sharedSecret}"\n`,
          },
          [SYNAPSE_PATHS.signingKey]: {
            ...declared.files[SYNAPSE_PATHS.signingKey],
            content: renderSigningKey("a_hand", randomBytes(32).toString("base64")),
          },
        },
      };
      const synapse = await start(EQMD_SYNAPSE_VERSION, files, "eqmd");
      for (const account of [state.alice, state.bob]) await registerAccount(synapse.baseUrl, sharedSecret, account);
      const alice = clientWithToken(
        synapse.baseUrl,
        need(state.alice.token, "alice"),
        need(state.alice.userId, "alice"),
      );
      const { room_id: roomId } = await alice.createRoom({ name: "Equipe - Todos" });
      for (const text of MESSAGES) await alice.sendTextMessage(roomId, text);
      const bytes = randomBytes(4096);
      const mxc = await uploadMedia(alice, bytes, "raio-x.bin", "application/octet-stream");
      const diskPath = localMediaPath(mediaDir, mxc);
      assert.deepEqual(fs.readFileSync(diskPath), bytes, "the upload is in the media store");
      state.roomId = roomId;
      state.media = { mxc, bytes, diskPath };
      state.schemaBefore = await schemaVersion(state.values!.database);
      await synapse.stop();
      state.report.push(
        `Synapse ${EQMD_SYNAPSE_VERSION} (own signing key, no macaroon key): 2 accounts, room ${roomId} with ${MESSAGES.length} messages, a 4096-byte upload; schema ${state.schemaBefore}`,
      );
    },
  );

  test(
    "3. the adopt reads them from pg_roles, pg_database and Synapse's tables, and takes them as they are",
    STEP,
    async () => {
      const targeted = targetFrom(CONTRACT_STACK, stackConfig());
      assert.ok(targeted.ok, targeted.ok ? "" : targeted.reason);
      const target = targeted.target;
      assert.equal(target.database.name, state.values!.database);
      const read = await inspectPostgres({ runCommand: hostCommand }, target);
      assert.ok(read.ok, read.ok ? "" : `${read.what}: ${read.message}`);
      const found: HostObjects = {
        ...read.objects,
        // What `docker volume inspect` reports for eqmd's compose volume (no engine in this tier).
        volume: { name: target.mediaVolume, driver: "local", labels: { "com.docker.compose.project": "eqmd" } },
      };
      assert.deepEqual(found.role, { name: target.database.role, superuser: false, canLogin: true });
      const db = need(found.database, "database");
      assert.deepEqual(
        { owner: db.owner, encoding: db.encoding, lcCollate: db.lcCollate, lcCtype: db.lcCtype },
        { owner: "postgres", encoding: "UTF8", lcCollate: "C", lcCtype: "C" },
      );
      assert.deepEqual(db.synapse, {
        serverNames: [target.serverName],
        users: 2,
        rooms: 1,
        localMedia: 1,
        schemaVersion: state.schemaBefore,
      });
      const checked = checkObjects(target, found);
      assert.deepEqual(checked.refusals, []);
      assert.ok(checked.notes.some((n) => n.includes(`makes ${target.database.role} its owner`)));
      const plan = importPlan(CONTRACT_STACK, found, new Set());
      assert.deepEqual(
        plan.steps.map((s) => [s.key, s.id]),
        [
          ["role", target.database.role],
          ["database", target.database.name],
          ["mediaVolume", target.mediaVolume],
        ],
      );
      state.target = target;
      state.found = found;
      state.report.push(
        `adopt inspection (real psql as the stack's admin): no refusal; imports role ${target.database.role} and database ${target.database.name} by name; notes the owner change (postgres → role)`,
      );
    },
  );

  test(
    "4. the adopt refuses real objects that do not match: owner, encoding, locale, server name, superuser",
    STEP,
    async () => {
      const target = need(state.target, "target");
      const other = `${PREFIX}_other`;
      const superRole = `${PREFIX}_super`;
      state.extra.roles.push(other, superRole);
      await sql(`CREATE ROLE ${sqlIdent(other)} NOLOGIN; CREATE ROLE ${sqlIdent(superRole)} LOGIN SUPERUSER;`);
      const variants: Array<{ name: string; create: string; pattern: RegExp }> = [
        {
          name: `${PREFIX}_owner`,
          create: `OWNER ${sqlIdent(other)} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
          pattern: new RegExp(`found owner ${other}`),
        },
        {
          name: `${PREFIX}_ascii`,
          create: `ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
          pattern: /found encoding SQL_ASCII; the stack declares encoding UTF8/,
        },
        {
          name: `${PREFIX}_locale`,
          create: `ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0`,
          pattern: /found LC_COLLATE C\.UTF-8, LC_CTYPE C\.UTF-8; the stack declares LC_COLLATE C, LC_CTYPE C/,
        },
      ];
      const refusedBy = async (t: AdoptTarget): Promise<string> => {
        const read = await inspectPostgres({ runCommand: hostCommand }, t);
        assert.ok(read.ok);
        const checked = checkObjects(t, { ...read.objects, volume: state.found?.volume });
        return checked.refusals
          .map((r) => `${r.object}: found ${r.found}; the stack declares ${r.expected}. ${r.fix}`)
          .join("\n");
      };
      for (const v of variants) {
        state.extra.databases.push(v.name);
        await sql(`CREATE DATABASE ${sqlIdent(v.name)} WITH ${v.create};`);
        const refusals = await refusedBy({ ...target, database: { ...target.database, name: v.name } });
        assert.match(refusals, v.pattern, v.name);
      }
      const foreign = await refusedBy({ ...target, serverName: "matrix.other-hospital.example" });
      assert.match(foreign, new RegExp(`found accounts of server ${target.serverName.replace(/\./g, "\\.")}`));
      const superuser = await refusedBy({ ...target, database: { ...target.database, role: superRole } });
      assert.match(superuser, new RegExp(`role "${superRole}": found a superuser`));
      state.report.push(
        "refusals on real objects: third owner, SQL_ASCII encoding, C.UTF-8 locale, another server_name, a superuser role",
      );
    },
  );

  test(
    "5. the first up's in-place changes to the adopted objects (as the postgresql provider makes them)",
    STEP,
    async () => {
      const declared = record(SYNAPSE_VERSION);
      const role = declared.role();
      const database = declared.database();
      // The preview after the import: role `update (password)`, database `update (owner)`.
      await sql(`ALTER ROLE ${sqlIdent(role.name)} WITH LOGIN PASSWORD ${sqlLiteral(role.password)};`);
      await sql(`ALTER DATABASE ${sqlIdent(database.name)} OWNER TO ${sqlIdent(database.owner)};`);
      const facts = await databaseFacts(sql, database.name);
      assert.equal(facts?.owner, role.name);
      state.report.push(
        `in-place updates: ALTER ROLE … PASSWORD (the stack's), ALTER DATABASE … OWNER TO ${role.name}`,
      );
    },
  );

  test(
    `6. Synapse ${SYNAPSE_VERSION} with the program's files takes over: schema migrated, logins, history and media kept`,
    STEP,
    async () => {
      const declared = record(SYNAPSE_VERSION).synapse();
      const synapse = await start(SYNAPSE_VERSION, declared, "current");
      const database = state.values!.database;
      const schemaAfter = await schemaVersion(database);
      assert.ok(
        schemaAfter > need(state.schemaBefore, "schema before"),
        `schema ${state.schemaBefore} → ${schemaAfter}`,
      );

      const oldToken = need(state.alice.token, "alice's token");
      const whoami = await fetch(`${synapse.baseUrl}/_matrix/client/v3/account/whoami`, {
        headers: { authorization: `Bearer ${oldToken}` },
      });
      assert.equal(whoami.status, 200, "a session from before the upgrade still works");
      const token = await passwordLogin(synapse.baseUrl, state.alice);
      await passwordLogin(synapse.baseUrl, state.bob);

      const alice = clientWithToken(synapse.baseUrl, token, state.alice.userId!);
      const roomId = need(state.roomId, "room");
      const page = await alice.createMessagesRequest(roomId, null, 50, Direction.Backward);
      const bodies = page.chunk
        .filter((e) => e.type === "m.room.message")
        .map((e) => (e.content as { body?: unknown }).body)
        .reverse();
      assert.deepEqual(bodies, MESSAGES, "the room's history, in order");

      const media = need(state.media, "media");
      const download = await downloadMedia(alice, media.mxc);
      assert.equal(download.status, 200, download.url);
      assert.deepEqual(download.bytes, media.bytes, "the upload, byte for byte");
      assert.deepEqual(fs.readFileSync(media.diskPath), media.bytes, "the media store file is untouched");
      await synapse.stop();
      state.report.push(
        `Synapse ${SYNAPSE_VERSION} (new signing key, macaroon and form secrets): schema ${state.schemaBefore} → ${schemaAfter}; ` +
          `pre-upgrade access token valid; alice and bob log in with their passwords; ${bodies.length}/${MESSAGES.length} messages in order; ` +
          `upload downloaded byte for byte (${download.authenticated ? "authenticated media" : "legacy media"} endpoint)`,
      );
    },
  );
});
