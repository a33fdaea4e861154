/**
 * The contract flow (issue 6): what the program declares, run against the real things, once per
 * Synapse version (the default image's, then eqmd's pin):
 *
 *  1. the program evaluated under mocks with the contract config and this run's ports and names;
 *  2. the declared role and database created in this machine's PostgreSQL with exactly the
 *     declared arguments;
 *  3. the declared OIDC client command run (twice) against the Django provider;
 *  4. the declared Synapse container's files and command line given to a real Synapse (same
 *     version as the image), started once, as the declared user;
 *  5. the declared admin bootstrap: register, reuse on update, recover without previous output;
 *  6. the declared verification, after-reset hooks (eqmd's setup_matrix_bot, the program's
 *     clearStaleRooms, eqmd's matrix_provision_rooms) and .env write;
 *  7. an SSO login of a provisioned eqmd user with matrix-js-sdk (room, message, media), and the
 *     refusal of a user eqmd never provisioned;
 *  8. for the default version: a reset (stop, drop as the postgresql provider does, rebuild
 *     from 2) keeping the media store, and one wiping it; in the first, provisioning without the
 *     clear step reuses the destroyed global room (eqmd's warning lines, shown masked; the hook
 *     marked failOnWarnings fails), then the declared hooks give fresh rooms.
 *
 * Every file, argument and command comes from the program's recorded resource inputs; the real
 * output of each command is fed back into the program (`commandStdout`) before the next step
 * takes what it declares. Teardown stops every process and drops what this file created, also
 * when a step fails. The figures (time per phase, Synapse starts per build) print at the end.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import type { MatrixClient } from "matrix-js-sdk";
import { CAPTURE_KEYS_ENV } from "../../components/afterResetHooks";
import { readEnvValue } from "../../ops/envFile";
import {
  markedLine,
  parseAdminBootstrap,
  parseClientSecret,
  parseKeyValueLines,
} from "../../components/commands/parse";
import { SYNAPSE_VERSION } from "../../config/versions";
import { SYNAPSE_PATHS } from "../../render/paths";
import { createDeclared, databaseFacts, dropDeclared, SqlRunner } from "./support/database";
import { runDeclared } from "./support/declaredCommand";
import { provisionMatrixUser } from "./support/eqmdProvisioning";
import { membershipOf, roomRows, synapseHasRoom } from "./support/eqmdRooms";
import { addTime, figuresFor, Phase, renderFigures, ResetPhase, timed, VersionFigures } from "./support/flowReport";
import { freePort } from "./support/freePort";
import {
  clientWithToken,
  downloadMedia,
  localMediaPath,
  loginWithSsoToken,
  roomWithMessage,
  uploadMedia,
} from "./support/matrixClient";
import {
  CONTRACT_SYNAPSE_VERSIONS,
  PROVIDER_PROJECT,
  PROVIDER_VENV,
  REPO_ROOT,
  WORK_DIR,
  synapseVenv,
  venvPython,
} from "./support/paths";
import { runningProcesses, stopAll } from "./support/processes";
import { contractHooks, Declared, isRecord, recordContract, RunTimeValues, versionOfImage } from "./support/program";
import { ProviderHandle, providerEnv, startProvider } from "./support/provider";
import { psql, sqlLiteral } from "./support/psql";
import { addRedirectUriCode } from "./support/redirectUris";
import { RunResult, runCommand } from "./support/run";
import { ssoLogin } from "./support/ssoLogin";
import { SynapseHandle, startSynapse, synapseStartCount } from "./support/synapse";

const RUN_ID = String(process.pid);
/** Every database and role this file creates starts with this (teardown and the leftover check use it). */
const NAME_PREFIX = "ct_matrix_";
const KNOWN_KEYS = path.join(REPO_ROOT, "tests", "contract", "known_keys.py");
/** oidc.clientId of tests/contract/Pulumi.contract.yaml. */
const CLIENT_ID = "matrix_synapse_client";
const STEP_TIMEOUT = { timeout: 180_000 };
/** The .env eqmd already has before the program writes to it: both lines must survive. */
// eqmd's own keys: one unrelated, and MATRIX_FQDN, which the program checks against matrixFqdn.
const ENV_PRELUDE =
  "# eqmd settings kept by hand (contract test)\nDJANGO_ALLOWED_HOSTS=keep.example\nMATRIX_FQDN=matrix.yourhospital.com\n";

const sql: SqlRunner = (statements, database) => psql(statements, { database });

interface EqmdUser {
  username: string;
  password: string;
  publicId: string;
  localpart: string;
}

/** Everything one version's flow learns on the way; each step checks the ones it needs. */
interface FlowState {
  version: string;
  figures: VersionFigures;
  runDir: string;
  providerDir: string;
  mediaDir: string;
  values: RunTimeValues;
  /** Command resource name → the stdout its latest real run printed (fed back to the program). */
  stdout: Record<string, string>;
  declared?: Declared;
  provider?: ProviderHandle;
  clientSecret?: string;
  synapse?: SynapseHandle;
  admin?: { userId: string; token: string };
  botToken?: string;
  alice?: EqmdUser;
  carol?: EqmdUser;
  /** eqmd's global room (its MatrixGlobalRoom row) after the latest hooks. */
  globalRoom?: string;
  /** The media uploaded in step 7. */
  media?: { mxc: string; bytes: Buffer; diskPath: string };
  clients: MatrixClient[];
  cleanups: Array<() => Promise<unknown>>;
  /** Whether teardown already drops this version's database and role. */
  dropRegistered: boolean;
  /** Which build the steps belong to (for the figures). */
  stage: "first build" | "resets";
  passed: number;
}

after(async () => {
  await stopAll();
  const leftovers = await psql(
    `SELECT datname FROM pg_database WHERE datname LIKE ${sqlLiteral(`${NAME_PREFIX}%\\_${RUN_ID}\\_%`)}
     UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE ${sqlLiteral(`${NAME_PREFIX}%\\_${RUN_ID}\\_%`)}`,
  ).catch((error: unknown) => `(could not check: ${String(error)})`);
  console.log(renderFigures());
  assert.deepEqual(runningProcesses(), [], "processes left running after teardown");
  assert.equal(leftovers, "", `databases/roles left behind: ${leftovers}`);
});

CONTRACT_SYNAPSE_VERSIONS.forEach((version, index) => {
  const tag = version.replace(/\./g, "_");
  const runDir = path.join(WORK_DIR, `flow-${RUN_ID}-${tag}`);
  const state: FlowState = {
    version,
    figures: figuresFor(version),
    runDir,
    providerDir: path.join(runDir, "provider"),
    mediaDir: path.join(runDir, "media_store"),
    values: {
      synapsePort: 0,
      providerPort: 0,
      database: `${NAME_PREFIX}db_${RUN_ID}_${index}`,
      role: `${NAME_PREFIX}user_${RUN_ID}_${index}`,
      envFilePath: path.join(runDir, "eqmd.env"),
      synapseVersion: version,
    },
    stdout: {},
    clients: [],
    cleanups: [],
    dropRegistered: false,
    stage: "first build",
    passed: 0,
  };
  const steps = version === SYNAPSE_VERSION ? 9 : 7;

  describe(`Synapse ${version}: the declared Matrix side against real PostgreSQL, Synapse and OpenID provider`, () => {
    after(async () => {
      for (const client of state.clients) client.stopClient();
      for (const cleanup of state.cleanups.reverse()) {
        await cleanup().catch((error: unknown) => console.error(`cleanup failed: ${String(error)}`));
      }
      if (state.passed === steps) {
        fs.rmSync(runDir, { recursive: true, force: true });
      } else {
        console.log(`Synapse ${version}: kept for inspection (logs, configs): ${runDir}`);
      }
    });

    test("1. the program, recorded with the contract config and this run's ports and names", STEP_TIMEOUT, async () => {
      fs.mkdirSync(runDir, { recursive: true });
      fs.chmodSync(runDir, 0o755);
      const synapsePort = await freePort();
      let providerPort = await freePort();
      while (providerPort === synapsePort) providerPort = await freePort();
      state.values = { ...state.values, synapsePort, providerPort };
      const declared = await timed(state.figures, "program recorded (mocks, first evaluation)", () =>
        Promise.resolve(record(state)),
      );
      state.declared = declared;
      assert.equal(declared.role().name, state.values.role);
      assert.equal(declared.database().name, state.values.database);
      const synapse = declared.synapse();
      assert.equal(
        versionOfImage(synapse.image),
        version,
        `the declared image ${synapse.image} runs Synapse ${version}`,
      );
      assert.equal(declared.output("publicBaseUrl"), `http://127.0.0.1:${synapsePort}/`);
      const provider = oidcProviderConfig(declared);
      assert.equal(provider["issuer"], `http://127.0.0.1:${providerPort}/o`);
      state.passed += 1;
    });

    test("2. role and database created with exactly the declared arguments", STEP_TIMEOUT, async () => {
      const declared = need(state.declared, "the program recording (step 1)");
      await timed(state.figures, "database (declared role + database)", () => createDatabase(state, declared));
      state.passed += 1;
    });

    test(
      "3. the declared OIDC client command against the provider: secret parsed, rerun idempotent, one RSA key",
      STEP_TIMEOUT,
      async () => {
        const declared = need(state.declared, "the program recording (step 1)");
        await timed(state.figures, "provider + OIDC client (declared command, twice)", async () => {
          state.provider = await startProvider(state.providerDir, state.values.providerPort);
          const provider = state.provider;
          state.cleanups.push(() => provider.stop());
          assert.equal(
            provider.issuer,
            oidcProviderConfig(declared)["issuer"],
            "the provider's issuer is the declared one",
          );
          assert.equal(await rsaKeyCount(provider), 0, "a fresh provider has no RSA key");

          // eqmd registers https:// only; Synapse's callback here is http:// (no TLS on loopback):
          // the step refuses, naming the fix, and records nothing; the test host's operator adds it.
          const callback = new URL("_synapse/client/oidc/callback", declared.output("publicBaseUrl")).href;
          const refused = await runOidcClientSetup(state, declared, true);
          assert.equal(refused.code, 1);
          assert.equal(refused.stdout, "", "the secret setup printed is withheld");
          assert.match(refused.stderr, /no RSA key yet: running manage\.py creatersakey/);
          assert.ok(
            refused.stderr.includes(`has 1 redirect URI(s), none of them Synapse's callback ${callback}`),
            refused.stderr,
          );
          assert.equal(await rsaKeyCount(provider), 1, "creatersakey ran once");
          const added = await provider.manage(["shell", "-c", addRedirectUriCode(CLIENT_ID, callback)]);
          assert.equal(markedLine(added.stdout, "REDIRECT_URIS"), "2");

          const first = await runOidcClientSetup(state, declared);
          state.clientSecret = parseClientSecret(first.stdout);
          assert.match(state.clientSecret, /^[A-Za-z0-9_-]{43}$/);
          assert.match(first.stderr, /1 RSA key\(s\) present: not creating another/);

          const second = await runOidcClientSetup(state, declared);
          assert.equal(parseClientSecret(second.stdout), state.clientSecret, "a rerun keeps the client secret");
          assert.match(second.stderr, /1 RSA key\(s\) present: not creating another/);
          assert.equal(await rsaKeyCount(provider), 1, "creatersakey did not run again");
          state.stdout[declared.oidcClientSetup().name] = second.stdout;
        });
        state.passed += 1;
      },
    );

    test("4. Synapse started once from the declared files, command line and user", STEP_TIMEOUT, async () => {
      need(state.clientSecret, "the OIDC client (step 3)");
      state.synapse = await startDeclaredSynapse(state, "build", {
        files: "Synapse files + known keys + config check",
        startup: "Synapse start to healthy",
      });
      state.passed += 1;
    });

    test(
      "5. the declared admin bootstrap: token works; update reuses it; lost state recovers",
      STEP_TIMEOUT,
      async () => {
        const synapse = need(state.synapse, "Synapse (step 4)");
        const declared = need(state.declared, "the program recording");
        await timed(state.figures, "admin (declared bootstrap: register, reuse, recover)", async () => {
          const command = declared.adminBootstrap();
          const first = await runDeclared(command, { cwd: REPO_ROOT });
          const registered = parseAdminBootstrap(first.stdout);
          assert.match(first.stderr, /registered .* as a server admin/);
          assert.equal(registered.userId.split(":").slice(1).join(":"), declared.output("serverName"));
          assert.equal(await adminFlag(synapse.baseUrl, registered.accessToken, registered.userId), true);

          // What @pulumi/command passes on an update: the previous run's stdout.
          const update = await runDeclared(command, { cwd: REPO_ROOT, env: { PULUMI_COMMAND_STDOUT: first.stdout } });
          assert.equal(
            parseAdminBootstrap(update.stdout).accessToken,
            registered.accessToken,
            "an update reuses the token",
          );
          assert.match(update.stderr, /still valid and admin; reusing it/);

          // A replaced resource (or lost state): no previous output, the admin already exists.
          const replaced = await runDeclared(command, { cwd: REPO_ROOT });
          const recovered = parseAdminBootstrap(replaced.stdout);
          assert.match(replaced.stderr, /through a helper admin/);
          assert.equal(recovered.userId, registered.userId);
          assert.equal(await adminFlag(synapse.baseUrl, recovered.accessToken, recovered.userId), true);
          // The one-shot helper that issued the token is retired: demoted and locked, not deactivated.
          const helperId = need(/registered helper admin (@\S+)/.exec(replaced.stderr)?.[1], "the helper's user id");
          const helper = await adminApiUser(synapse.baseUrl, recovered.accessToken, helperId);
          assert.deepEqual(
            {
              admin: Boolean(helper["admin"]),
              locked: Boolean(helper["locked"]),
              deactivated: Boolean(helper["deactivated"]),
            },
            { admin: false, locked: true, deactivated: false },
          );
          state.admin = { userId: recovered.userId, token: recovered.accessToken };
          state.stdout[command.name] = replaced.stdout;
        });
        state.passed += 1;
      },
    );

    test("6. the declared verification, after-reset hook (setup_matrix_bot) and .env write", STEP_TIMEOUT, async () => {
      need(state.admin, "the admin token (step 5)");
      fs.writeFileSync(state.values.envFilePath, ENV_PRELUDE, { mode: 0o600 });
      await verificationHooksAndEnv(state, {
        verification: "verification (declared check)",
        hooks: "hooks + .env (declared hook, env-file write)",
      });
      state.passed += 1;
    });

    test(
      "7. SSO login of a provisioned eqmd user with matrix-js-sdk; room, message, media; unprovisioned user refused",
      STEP_TIMEOUT,
      async () => {
        const synapse = need(state.synapse, "Synapse (step 4)");
        const provider = need(state.provider, "the provider (step 3)");
        need(state.admin, "the admin token (step 5)");
        await timed(state.figures, "SSO login + client actions (matrix-js-sdk)", async () => {
          state.alice = await createEqmdUser(provider, "alice", "Alice.Doc", [
            "--first-name",
            "Alice",
            "--last-name",
            "Doe",
          ]);
          state.carol = await createEqmdUser(provider, "carol", "carol", []);
          const client = await provisionAndLogIn(state, state.alice);

          const conversation = await roomWithMessage(client, "Plantão (contract)", "hello from the contract test");
          assert.match(conversation.roomId, /^!/);
          assert.ok(
            conversation.bodies.includes("hello from the contract test"),
            "the message is in the room's timeline",
          );

          const bytes = randomBytes(48 * 1024);
          const mxc = await uploadMedia(client, bytes, "scan.bin", "application/octet-stream");
          assert.match(mxc, new RegExp(`^mxc://${escapeRegExp(need(state.declared, "").output("serverName"))}/`));
          const download = await downloadMedia(client, mxc);
          assert.equal(download.status, 200, `download ${download.url}`);
          assert.ok(download.bytes.equals(bytes), "the downloaded bytes are the uploaded ones");
          const diskPath = localMediaPath(state.mediaDir, mxc);
          assert.ok(fs.readFileSync(diskPath).equals(bytes), "the file is in the media store (the volume)");
          state.media = { mxc, bytes, diskPath };
          state.figures.notes.push(
            `media download used ${download.authenticated ? "authenticated media (client v1)" : "the legacy media endpoint (v3)"}: ${new URL(download.url).pathname.split("/").slice(0, 6).join("/")}/…`,
          );

          const carol = need(state.carol, "");
          const refused = await ssoLogin({
            synapseUrl: synapse.baseUrl,
            idpId: declaredIdpId(state),
            clientRedirectUrl: clientRedirectUrl(state),
            username: carol.username,
            password: carol.password,
          });
          assert.equal(refused.kind, "refused", "a user eqmd never provisioned gets no login token");
          if (refused.kind === "refused") assert.equal(refused.page.status, 400, refused.page.body.slice(0, 300));
          assert.match(
            fs.readFileSync(synapse.process.logFile, "utf8"),
            /User does not exist and registrations? (are|is) disabled/,
            "Synapse refused because the user was never provisioned (per-provider enable_registration: false)",
          );
        });
        state.passed += 1;
      },
    );

    // The resets on the default version only: what they check is the program's (what it drops,
    // rebuilds and clears) and eqmd's hooks, which the first build ran on both versions; eqmd's
    // pin is taken further by adopt.test.ts and tests/e2e/adopt.test.ts (its upgrade).
    if (version === SYNAPSE_VERSION) {
      test(
        "8. reset keeping media: rebuilt once from step 2, SSO login again, media on disk",
        STEP_TIMEOUT,
        async () => {
          await resetAndRebuild(state, "kept");
          state.passed += 1;
        },
      );

      test("9. reset wiping media: rebuilt once, SSO login again, the file is gone", STEP_TIMEOUT, async () => {
        await resetAndRebuild(state, "wiped");
        state.passed += 1;
      });
    }
  });
});

/** The program evaluated with this run's values and every real command output so far. */
function record(state: FlowState): Declared {
  const started = Date.now();
  const declared = recordContract(state.values, state.stdout);
  const tally = state.figures.recordings[state.stage];
  tally.count += 1;
  tally.ms += Date.now() - started;
  return declared;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`cannot run this step: ${what || "an earlier step"} did not complete`);
  return value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The one declared `oidc_providers` entry of homeserver.yaml. */
function oidcProviderConfig(declared: Declared): Record<string, unknown> {
  const providers = declared.homeserver()["oidc_providers"];
  assert.ok(Array.isArray(providers) && providers.length === 1, "homeserver.yaml declares one OIDC provider");
  const provider: unknown = providers[0];
  assert.ok(isRecord(provider));
  return provider;
}

/** The identity provider id Synapse offers ("oidc-<providerId>"), as the program exports it. */
function declaredIdpId(state: FlowState): string {
  return need(state.declared, "the program recording").output("oidcIdpId");
}

/** Element's URL: the declared `sso.client_whitelist` entry, so Synapse skips its confirmation page. */
function clientRedirectUrl(state: FlowState): string {
  const sso = need(state.declared, "the program recording").homeserver()["sso"];
  const whitelist = isRecord(sso) ? sso["client_whitelist"] : undefined;
  assert.ok(Array.isArray(whitelist) && typeof whitelist[0] === "string", "homeserver.yaml whitelists Element's URL");
  return whitelist[0];
}

/** eqmd's container environment for Django commands, on loopback (see the provider's settings). */
function djangoEnv(state: FlowState): Record<string, string> {
  const declared = need(state.declared, "the program recording");
  return providerEnv(state.providerDir, {
    // `python` in the declared scripts is the provider venv's, as in eqmd's container.
    PATH: `${path.join(PROVIDER_VENV, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    MATRIX_ADMIN_INTERNAL_URL: `http://127.0.0.1:${state.values.synapsePort}`,
    MATRIX_CLIENT_INTERNAL_URL: `http://127.0.0.1:${state.values.synapsePort}`,
    MATRIX_FQDN: declared.output("serverName"),
  });
}

async function createDatabase(state: FlowState, declared: Declared): Promise<void> {
  const role = declared.role();
  const database = declared.database();
  assert.ok(role.name.startsWith(NAME_PREFIX) && database.name.startsWith(NAME_PREFIX), "only this run's names");
  if (!state.dropRegistered) {
    state.cleanups.push(() => dropDeclared(sql, role.name, database.name));
    state.dropRegistered = true;
  }
  await createDeclared(sql, role, database);
  assert.deepEqual(await databaseFacts(sql, database.name), {
    encoding: "UTF8",
    collate: "C",
    ctype: "C",
    owner: role.name,
  });
}

function runOidcClientSetup(state: FlowState, declared: Declared, allowFailure = false): Promise<RunResult> {
  return runDeclared(declared.oidcClientSetup(), { cwd: PROVIDER_PROJECT, env: djangoEnv(state), allowFailure });
}

async function rsaKeyCount(provider: ProviderHandle): Promise<number> {
  const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: Array<{ kty?: string }> };
  return jwks.keys.filter((key) => key.kty === "RSA").length;
}

/**
 * Records the program with the real command output so far, then starts Synapse on the declared
 * container's files, command line, environment, volume and user. `phases.files` (optional) gets
 * everything but Synapse's own launch-to-healthy time, which goes to `phases.startup`.
 */
async function startDeclaredSynapse(
  state: FlowState,
  label: string,
  phases: { files?: Phase | ResetPhase; startup: Phase | ResetPhase },
): Promise<SynapseHandle> {
  const venv = synapseVenv(state.version);
  const startsBefore = synapseStartCount();
  const started = Date.now();
  state.declared = record(state);
  const container = state.declared.synapse();
  assert.equal(
    container.files[SYNAPSE_PATHS.oidcClientSecret]?.content,
    `${need(state.clientSecret, "the OIDC client")}\n`,
    "the container receives the client secret the provider printed",
  );
  assert.equal(container.volumePaths.length, 1, "one volume: the media store");
  let knownKeys = "";
  const synapse = await startSynapse({
    venv,
    files: container.files,
    configPaths: container.configPaths,
    port: state.values.synapsePort,
    env: container.env,
    mounts: { [container.volumePaths[0]]: state.mediaDir },
    runAs: container.user,
    root: fs.mkdtempSync(path.join(state.runDir, `synapse-${label}-`)),
    beforeCheck: async (hostPath) => {
      const check = await runCommand([venvPython(venv), KNOWN_KEYS, ...container.configPaths.map(hostPath)], {
        allowFailure: true,
      });
      knownKeys = `${check.stdout}${check.stderr}`.trim();
    },
  });
  state.cleanups.push(() => synapse.stop());
  if (phases.files) addTime(state.figures, phases.files, Date.now() - started - synapse.startupMs);
  addTime(state.figures, phases.startup, synapse.startupMs);

  const starts = synapseStartCount() - startsBefore;
  state.figures.startsPerBuild.push(starts);
  assert.equal(starts, 1, "Synapse started exactly once for this build");
  assert.match(knownKeys, /^All \d+ keys are known to Synapse/, `config keys Synapse ${state.version} does not know`);
  if (label === "build") state.figures.notes.push(`known_keys.py on the declared config: ${knownKeys}`);
  assert.match(synapse.configCheck, /Config parses OK!/);
  const status = fs.readFileSync(`/proc/${synapse.process.pid}/status`, "utf8");
  assert.match(status, new RegExp(`^Uid:\\s+${container.user.uid}\\s`, "m"), "Synapse runs as the declared user");
  const log = fs.readFileSync(synapse.process.logFile, "utf8");
  assert.doesNotMatch(log, /Error while (initialising|preloading) OIDC provider/);
  return synapse;
}

/** GET /_synapse/admin/v2/users/<id> with `token` (which must be a server admin's). */
async function adminApiUser(baseUrl: string, token: string, userId: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}/_synapse/admin/v2/users/${encodeURIComponent(userId)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body: unknown = await response.json();
  assert.equal(response.status, 200, `admin API with the bootstrap token: ${JSON.stringify(body)}`);
  assert.ok(isRecord(body));
  return body;
}

async function adminFlag(baseUrl: string, token: string, userId: string): Promise<boolean> {
  const admin = (await adminApiUser(baseUrl, token, userId))["admin"];
  return admin === true || admin === 1;
}

/** Step 6 (and its rerun after a reset): verification, the hooks in order, then the .env write. */
async function verificationHooksAndEnv(
  state: FlowState,
  phases?: { verification: Phase; hooks: Phase },
): Promise<void> {
  const synapse = need(state.synapse, "Synapse");
  const admin = need(state.admin, "the admin token");
  const measure = <T>(phase: Phase | undefined, action: () => Promise<T>): Promise<T> =>
    phase ? timed(state.figures, phase, action) : action();
  await measure(phases?.verification, async () => {
    state.declared = record(state);
    const command = state.declared.verification();
    const stdin = JSON.parse(command.stdin ?? "{}") as { input?: { admin_token?: string } };
    assert.equal(stdin.input?.admin_token, admin.token);
    const result = await runDeclared(command, { cwd: REPO_ROOT });
    assert.equal(result.code, 0);
  });
  await measure(phases?.hooks, async () => {
    let declared = need(state.declared, "the program recording");
    const captured: Record<string, string> = {};
    const hookOutput: string[] = [];
    const hookCount = declared.afterResetHooks().length;
    assert.ok(hookCount > 0, "the contract config declares the setup_matrix_bot hook");
    for (let i = 0; i < hookCount; i++) {
      const hook = declared.afterResetHooks()[i];
      assert.equal(hook.environment["SYNAPSE_ADMIN_TOKEN"], admin.token, `${hook.name} gets the real admin token`);
      // Pulumi runs local commands in the project directory (manage.py is given by its path).
      const result = await runDeclared(hook, { cwd: REPO_ROOT, env: djangoEnv(state) });
      const keys = (hook.environment[CAPTURE_KEYS_ENV] ?? "").split(",").filter(Boolean);
      Object.assign(captured, keys.length > 0 ? parseKeyValueLines(result.stdout, keys) : {});
      state.stdout[hook.name] = result.stdout;
      hookOutput.push(result.stdout);
      declared = record(state);
    }
    state.declared = declared;

    const botToken = need(captured["MATRIX_BOT_ACCESS_TOKEN"], "MATRIX_BOT_ACCESS_TOKEN from setup_matrix_bot");
    const printedUser = need(/^User: (@\S+)$/m.exec(hookOutput.join("\n"))?.[1], "the bot's `User: <id>` line");
    const whoami = await clientWithToken(synapse.baseUrl, botToken, printedUser).whoami();
    assert.equal(whoami.user_id, printedUser, "the bot token works (whoami)");
    assert.ok(whoami.user_id.endsWith(`:${declared.output("serverName")}`));
    if (state.botToken !== undefined) assert.notEqual(botToken, state.botToken, "every run issues a new bot token");
    state.botToken = botToken;
    await checkRooms(state, declared);

    const write = declared.envFileWrite();
    const values = JSON.parse(write.stdin ?? "{}") as Record<string, string>;
    assert.equal(values["SYNAPSE_ADMIN_TOKEN"], admin.token);
    assert.equal(values["SYNAPSE_OIDC_CLIENT_SECRET"], state.clientSecret);
    assert.equal(values["MATRIX_BOT_ACCESS_TOKEN"], botToken);
    // Pulumi runs local commands in the project directory when they declare no `dir`.
    await runDeclared(write, { cwd: REPO_ROOT });
    const text = fs.readFileSync(state.values.envFilePath, "utf8");
    assert.ok(text.startsWith(ENV_PRELUDE), "the comment and the unrelated key are kept, in place");
    assert.deepEqual(readEnv(text), {
      DJANGO_ALLOWED_HOSTS: "keep.example",
      MATRIX_FQDN: "matrix.yourhospital.com",
      ...values,
    });
  });
}

/** KEY → value of a .env, read as docker compose would (ops/envFile.ts). */
function readEnv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) values[match[1]] = readEnvValue(match[2]) ?? `(unreadable: ${match[2].length} characters)`;
  }
  return values;
}

async function createEqmdUser(
  provider: ProviderHandle,
  username: string,
  localpart: string,
  extra: string[],
): Promise<EqmdUser> {
  const password = `pw-${randomBytes(9).toString("base64url")}`;
  const result = await provider.manage([
    "create_test_user",
    "--username",
    username,
    "--password",
    password,
    "--matrix-localpart",
    localpart,
    ...extra,
  ]);
  const match = /^PUBLIC_ID=([0-9a-f-]{36})$/m.exec(result.stdout);
  assert.ok(match, `create_test_user output: ${result.stdout}`);
  return { username, password, publicId: match[1], localpart: localpart.toLowerCase() };
}

/** eqmd's "Provision Matrix User", then the SSO login and `m.login.token` through matrix-js-sdk. */
async function provisionAndLogIn(state: FlowState, user: EqmdUser): Promise<MatrixClient> {
  const synapse = need(state.synapse, "Synapse");
  const admin = need(state.admin, "the admin token");
  const serverName = need(state.declared, "the program recording").output("serverName");
  const userId = `@${user.localpart}:${serverName}`;
  await provisionMatrixUser({
    adminUrl: `http://127.0.0.1:${state.values.synapsePort}`,
    adminToken: admin.token,
    userId,
    displayName: user.username,
    authProvider: declaredIdpId(state),
    externalId: user.publicId,
  });
  const outcome = await ssoLogin({
    synapseUrl: synapse.baseUrl,
    idpId: declaredIdpId(state),
    clientRedirectUrl: clientRedirectUrl(state),
    username: user.username,
    password: user.password,
  });
  assert.equal(
    outcome.kind,
    "loginToken",
    outcome.kind === "refused" ? `${outcome.page.status} ${outcome.page.body.slice(0, 400)}` : "",
  );
  if (outcome.kind !== "loginToken") throw new Error("unreachable");
  const client = await loginWithSsoToken(synapse.baseUrl, outcome.loginToken);
  state.clients.push(client);
  const whoami = await client.whoami();
  assert.equal(whoami.user_id, userId, "whoami is @<matrix_localpart>:<server_name>");
  return client;
}

/**
 * Step 8/9: stop Synapse, drop the database and role as the postgresql provider does, keep or
 * wipe the media volume, rebuild from step 2 (database, OIDC client, Synapse, admin,
 * verification, hooks, .env), log in again, and look for the media uploaded in step 7.
 */
async function resetAndRebuild(state: FlowState, media: "kept" | "wiped"): Promise<void> {
  state.stage = "resets";
  const old = need(state.synapse, "Synapse");
  const uploaded = need(state.media, "the media upload (step 7)");
  const declared = need(state.declared, "the program recording");
  const phase = (part: string) => `reset (media ${media}): ${part}` as ResetPhase;
  await timed(state.figures, phase("stop, drop, rebuild to healthy"), async () => {
    await old.stop();
    const role = declared.role();
    const database = declared.database();
    await dropDeclared(sql, role.name, database.name);
    assert.equal(await databaseFacts(sql, database.name), undefined, "the database is gone");
    if (media === "wiped") fs.rmSync(state.mediaDir, { recursive: true, force: true });
    state.admin = undefined;
    await createDatabase(state, declared);
    const setup = await runOidcClientSetup(state, declared);
    assert.equal(parseClientSecret(setup.stdout), state.clientSecret, "the provider (not reset) keeps the client");
    assert.equal(await rsaKeyCount(need(state.provider, "the provider")), 1, "still one RSA key");
    state.stdout[declared.oidcClientSetup().name] = setup.stdout;
    // The rebuild phase includes Synapse's start-up; the "of which" row shows its share.
    state.synapse = await startDeclaredSynapse(state, `reset-${media}`, {
      startup: phase("of which Synapse start to healthy"),
    });
  });
  await timed(state.figures, phase("admin, verification, hooks, .env"), async () => {
    // The reset destroyed the admin Command too: it is created again, without previous output.
    const command = need(state.declared, "").adminBootstrap();
    const result = await runDeclared(command, { cwd: REPO_ROOT });
    const admin = parseAdminBootstrap(result.stdout);
    assert.match(result.stderr, /registered .* as a server admin/, "a fresh database registers the admin again");
    assert.equal(await adminFlag(need(state.synapse, "").baseUrl, admin.accessToken, admin.userId), true);
    state.admin = { userId: admin.userId, token: admin.accessToken };
    state.stdout[command.name] = result.stdout;
    if (media === "kept") await provisionWithoutClearing(state);
    else await localpartCheckFirst(state);
    await verificationHooksAndEnv(state);
  });
  await timed(state.figures, phase("SSO login again + media checks"), async () => {
    const client = await provisionAndLogIn(state, need(state.alice, "the eqmd user (step 7)"));
    const download = await downloadMedia(client, uploaded.mxc);
    const onDisk = fs.existsSync(uploaded.diskPath) ? fs.readFileSync(uploaded.diskPath) : undefined;
    const apiResult =
      download.status === 200 && download.bytes.equals(uploaded.bytes)
        ? "downloads (same bytes)"
        : `HTTP ${download.status}`;
    state.figures.notes.push(
      `after a reset with media ${media}: file on disk ${onDisk ? (onDisk.equals(uploaded.bytes) ? "present, same bytes" : "present, DIFFERENT bytes") : "absent"}; ` +
        `old ${uploaded.mxc.replace(/\/[^/]+$/, "/…")} through the API: ${apiResult}`,
    );
    if (media === "kept") {
      assert.ok(onDisk?.equals(uploaded.bytes), "the media volume kept the file across the reset");
    } else {
      assert.equal(onDisk, undefined, "a wiped media store no longer has the file");
      assert.notEqual(download.status, 200, "a wiped media store does not serve the file");
    }
  });
}

/**
 * After the hooks: eqmd's room rows name rooms this Synapse has, the global room is a new one
 * after a reset, every eqmd user is invited to it, and the program shows no warning line.
 */
async function checkRooms(state: FlowState, declared: Declared): Promise<void> {
  const synapse = need(state.synapse, "Synapse");
  const admin = need(state.admin, "the admin token");
  const rows = await roomRows(need(state.provider, "the provider"));
  const clearName = need(
    declared.afterResetHooks().find((h) => h.name.endsWith("-clearStaleRooms"))?.name,
    "the declared clearStaleRooms step",
  );
  const cleared = need(state.stdout[clearName], "the clearStaleRooms output");
  assert.match(
    cleared,
    /clearStaleRooms: removed \d+ stale room row\(s\) \(global \d+, direct \d+, bot state \d+\); kept \d+/,
  );
  assert.equal(rows.global.length, 1, "eqmd keeps one global room row");
  for (const roomId of [...rows.global, ...Object.values(rows.direct)]) {
    assert.equal(await synapseHasRoom(synapse.baseUrl, admin.token, roomId), true, `Synapse has ${roomId}`);
  }
  if (state.globalRoom !== undefined) {
    assert.notEqual(rows.global[0], state.globalRoom, "after a reset the global room is a new one");
  }
  state.globalRoom = rows.global[0];
  const serverName = declared.output("serverName");
  for (const user of [state.alice, state.carol]) {
    if (!user) continue;
    const membership = await membershipOf(
      synapse.baseUrl,
      admin.token,
      rows.global[0],
      `@${user.localpart}:${serverName}`,
    );
    assert.ok(membership === "invite" || membership === "join", `${user.username} is invited to the global room`);
  }
  assert.deepEqual(declared.run.outputs["afterResetWarnings"]?.value, [], "no warning line from eqmd's commands");
}

/**
 * Issue 19 item 1 on the real provider: an active eqmd user without a Matrix localpart. The
 * declared check before matrix_provision_rooms fails naming the user and the fix, and eqmd's
 * command never ran: Synapse has no fallback @u_<public_id> account, Django no DM room row.
 * Deactivating the user (one of the two fixes the message names) lets the hooks run.
 */
async function localpartCheckFirst(state: FlowState): Promise<void> {
  const synapse = need(state.synapse, "Synapse");
  const admin = need(state.admin, "the admin token");
  const provider = need(state.provider, "the provider");
  const dave = await createEqmdUser(provider, "dave", "", []);
  const declared = record(state);
  const hooks = declared.afterResetHooks();
  const at = hooks.findIndex((h) => h.name.endsWith("-checkLocalparts"));
  assert.ok(at > 0, "a checkLocalparts step is declared");
  assert.match(hooks[at + 1]?.name ?? "", /-matrix_provision_rooms$/, "right before matrix_provision_rooms");
  for (const hook of hooks.slice(0, at)) {
    state.stdout[hook.name] = (await runDeclared(hook, { cwd: REPO_ROOT, env: djangoEnv(state) })).stdout;
  }
  const check = need(record(state).afterResetHooks()[at], "the check");
  const failed = await runDeclared(check, { cwd: REPO_ROOT, env: djangoEnv(state), allowFailure: true });
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(
    failed.stderr,
    /checkLocalparts: 1 of \d+ active eqmd user\(s\) have no Matrix localpart: dave\. .*Fix: set each user's Matrix localpart in Django's admin .*or deactivate the user/,
  );
  assert.ok(!failed.stderr.includes(admin.token), "no token in the failure");
  const fallback = `@u_${dave.publicId}:${declared.output("serverName")}`;
  const lookup = await fetch(`${synapse.baseUrl}/_synapse/admin/v2/users/${encodeURIComponent(fallback)}`, {
    headers: { authorization: `Bearer ${admin.token}` },
  });
  await lookup.body?.cancel();
  assert.equal(lookup.status, 404, `no fallback account ${fallback} was created`);
  assert.equal((await roomRows(provider)).direct["dave"], undefined, "no DM room row for dave");
  const said = failed.stderr.split("\n").find((l) => l.includes("have no Matrix localpart")) ?? "";
  state.figures.notes.push(`checkLocalparts before provisioning printed: ${said}`);
  await createEqmdUser(provider, "dave", "", ["--inactive"]);
}

/**
 * The failure the clear step exists for, reproduced: after a reset, eqmd's matrix_provision_rooms
 * without clearStaleRooms "reuses" the destroyed global room. Marked failOnWarnings (as declared)
 * the hook fails, naming each skipped invite with every secret masked; unmarked it exits 0 as
 * eqmd does, and the program shows the same lines in its afterResetWarnings output.
 */
async function provisionWithoutClearing(state: FlowState): Promise<void> {
  const synapse = need(state.synapse, "Synapse");
  const admin = need(state.admin, "the admin token");
  const stale = need(state.globalRoom, "the global room of the build before the reset");
  const serverName = need(state.declared, "the program recording").output("serverName");
  state.declared = record(state);
  const setup = need(state.declared.afterResetHooks()[0], "the setup_matrix_bot hook");
  state.stdout[setup.name] = (await runDeclared(setup, { cwd: REPO_ROOT, env: djangoEnv(state) })).stdout;
  const botToken = parseKeyValueLines(state.stdout[setup.name], ["MATRIX_BOT_ACCESS_TOKEN"])["MATRIX_BOT_ACCESS_TOKEN"];
  const provisionOf = (declared: Declared) =>
    need(
      declared.afterResetHooks().find((h) => h.name.endsWith("-matrix_provision_rooms")),
      "the declared matrix_provision_rooms hook",
    );
  assert.equal(
    await synapseHasRoom(synapse.baseUrl, admin.token, stale),
    false,
    "the reset destroyed the old global room",
  );

  const marked = provisionOf(record(state));
  const failed = await runDeclared(marked, { cwd: REPO_ROOT, env: djangoEnv(state), allowFailure: true });
  assert.equal(failed.code, 3, `the hook marked failOnWarnings fails: ${failed.stderr}`);
  assert.equal(failed.stdout, "", "its output is withheld (it may carry secrets)");
  for (const user of [need(state.alice, "alice"), need(state.carol, "carol")]) {
    assert.match(
      failed.stderr,
      new RegExp(`^  Invite skipped for @${escapeRegExp(user.localpart)}:${escapeRegExp(serverName)}: POST `, "m"),
    );
  }
  for (const secret of [admin.token, botToken]) assert.ok(!failed.stderr.includes(secret), "no token in the failure");
  assert.deepEqual((await roomRows(need(state.provider, "the provider"))).global, [stale], "eqmd kept the stale id");

  const unmarkedHooks = contractHooks().map((h) =>
    (h["command"] as string[] | undefined)?.[0] === "matrix_provision_rooms" ? { ...h, failOnWarnings: false } : h,
  );
  const variant = { "eqmd-matrix:afterReset": unmarkedHooks };
  const unmarked = provisionOf(recordContract(state.values, state.stdout, variant));
  const passed = await runDeclared(unmarked, { cwd: REPO_ROOT, env: djangoEnv(state) });
  assert.match(passed.stdout, new RegExp(`Global room exists: ${escapeRegExp(stale)}`), "eqmd reuses the stale id");
  const shown = recordContract(state.values, { ...state.stdout, [unmarked.name]: passed.stdout }, variant).run.outputs[
    "afterResetWarnings"
  ];
  assert.equal(shown?.secret, false);
  const lines = shown?.value as string[];
  assert.equal(lines.length, 2, `one warning per eqmd user: ${JSON.stringify(lines)}`);
  for (const line of lines) {
    assert.match(line, /^manage\.py matrix_provision_rooms: Invite skipped for @/);
    assert.ok(!line.includes(admin.token) && !line.includes(botToken), "no token in the stack output");
  }
  state.figures.notes.push(`after a reset without clearStaleRooms, eqmd's provisioning printed: ${lines[0]}`);
}
