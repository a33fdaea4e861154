/**
 * The prod shape for real: the stack `prod-e2e` (Pulumi.prod.yaml plus prodDifferences.ts)
 * run by the real CLI against this machine's Docker engine, joining an eqmd stand-in started
 * outside any stack as eqmd's compose would (support/eqmdStandIn.ts): its network, its
 * PostgreSQL, its Django container running the project's eqmd-like OpenID provider, and its
 * `.env`. Every claim is checked from outside Pulumi: docker events/exec/inspect, psql in
 * eqmd's database, HTTP and matrix-js-sdk against Synapse, the `.env` on disk.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { EngineEvent, UpResult } from "@pulumi/pulumi/automation";
import { resourceNames } from "../../config/names";
import { BUILTIN_SCRIPTS } from "../../components/afterResetHooks";
import type { BuiltinHook } from "../../config/settings";
import { Browser } from "../contract/support/browser";
import { provisionMatrixUser } from "../contract/support/eqmdProvisioning";
import { downloadMedia, loginWithSsoToken, roomWithMessage, uploadMedia } from "../contract/support/matrixClient";
import { REPO_ROOT } from "../contract/support/paths";
import { runCommand } from "../contract/support/run";
import { parseStoredRedirectUris, storedRedirectUrisCode } from "../contract/support/redirectUris";
import { ssoLogin } from "../contract/support/ssoLogin";
import {
  PE2E_DJANGO_CONTAINER,
  PE2E_ISSUER,
  PE2E_PREFIX,
  PE2E_SYNAPSE_PORT,
  PROD_E2E_DIFFERENCES,
} from "./prodDifferences";
import { containerState, docker, mediaDigest, removeLeftovers, watchEvents, watchStarts } from "./support/docker";
import { DevStack, openE2eStack } from "./support/devStack";
import { EqmdStandIn, startEqmdStandIn, EQMD_POSTGRES_CONTAINER } from "./support/eqmdStandIn";
import { Figures } from "./support/figures";
import { secretOutput, secretStrings } from "./support/secrets";
import { withDifferences } from "./support/stackConfig";

const STACK = "prod-e2e";
const PROD_FILE = path.join(REPO_ROOT, "Pulumi.prod.yaml");
const NAMES = resourceNames(PE2E_PREFIX);
const SYNAPSE = NAMES.synapseContainer;
const SYNAPSE_URL = `http://127.0.0.1:${PE2E_SYNAPSE_PORT}`;
const SERVER_NAME = "matrix.yourhospital.com";
const IDP = "oidc-equipemed";
/** The OIDC client module inside the Django stand-in (the "garbage" fault swaps it). */
const OIDC_COMMAND_IN_APP = "/app/accounts/management/commands/setup_synapse_oidc_client.py";
const OIDC_COMMAND_SOURCE = path.join(
  REPO_ROOT,
  "testbed/oidc-provider/accounts/management/commands/setup_synapse_oidc_client.py",
);

const figures = new Figures();

interface FaultRow {
  fault: string;
  said: string;
  converged: string;
  lost: string;
}
const faults: FaultRow[] = [];

/** Resource names whose completion marks a phase of `up`, in the order they finish. */
const PHASES: readonly [string, RegExp][] = [
  ["matrix_db role and database (eqmd's PostgreSQL)", /::matrix-database-database$/],
  ["OIDC client in Django (docker exec)", /::matrix-oidc-client-setup$/],
  ["Synapse container healthy", /::matrix-synapse-container$/],
  ["admin bootstrap", /::matrix-admin-bootstrap$/],
  ["verification", /::matrix-verification-check$/],
  ["after-reset hooks in Django", /::matrix-after-reset-\d+-[A-Za-z_]+$/],
  ["rate limits lifted (admin, bot)", /::matrix-rate-limits-override$/],
  [".env written, Django recreated", /::matrix-env-file-write$/],
];

/** When the engine reported each resource done, to split an `up` into phases. */
function phaseClock(): { onEvent: (e: EngineEvent) => void; record: (label: string, start: number) => void } {
  const done: [string, number][] = [];
  return {
    onEvent: (event) => {
      const urn = event.resOutputsEvent?.metadata.urn;
      if (urn) done.push([urn, Date.now()]);
    },
    record: (label, start) => {
      for (const [phase, pattern] of PHASES) {
        const at = done.filter(([urn]) => pattern.test(urn)).map(([, t]) => t);
        if (at.length > 0) figures.record(`${label}: ${phase} done at`, Math.max(...at) - start);
      }
    },
  };
}

async function http(url: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: await response.text() };
}

async function whoami(token: string): Promise<string | undefined> {
  const { status, body } = await http(`${SYNAPSE_URL}/_matrix/client/v3/account/whoami`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return status === 200 ? String((JSON.parse(body) as { user_id?: string }).user_id) : undefined;
}

const md5 = (text: string): string => createHash("md5").update(text).digest("hex");

/** What must survive every up, reset and fault: Django's rows, the media bytes, eqmd's .env lines. */
interface Kept {
  rowCounts: string;
  checksum: string;
  media: string;
  foreign: string[];
}

describe("the prod shape on the real engine, beside an eqmd stand-in", { timeout: 40 * 60_000 }, () => {
  let eqmd: EqmdStandIn;
  let prod: DevStack;
  let upOutput = "";
  let djangoExecs: string[] = [];
  let synapseStarts = 0;
  let initialForeign: string[] = [];
  let djangoIdBefore = "";
  const users = { alice: { publicId: "", password: randomBytes(9).toString("hex") }, carol: { password: "" } };

  /** Row counts of every table in eqmd_db, and an md5 over Django's users, profiles and OIDC clients. */
  async function djangoRows(): Promise<{ rowCounts: string; checksum: string }> {
    const tables = (
      await eqmd.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ).split("\n");
    const counts = await eqmd.sql(
      tables.map((t) => `SELECT '${t}', count(*) FROM "${t}"`).join(" UNION ALL ") + " ORDER BY 1",
    );
    const checksum = await eqmd.sql(
      "SELECT md5(string_agg(r, '|' ORDER BY r)) FROM (" +
        "SELECT u::text AS r FROM auth_user u UNION ALL SELECT p::text FROM accounts_userprofile p " +
        "UNION ALL SELECT c::text FROM oidc_provider_client c UNION ALL SELECT k::text FROM oidc_provider_rsakey k) rows",
    );
    return { rowCounts: counts, checksum };
  }

  async function kept(): Promise<Kept> {
    return { ...(await djangoRows()), media: await mediaDigest(SYNAPSE), foreign: eqmd.foreignLines() };
  }

  function lostBetween(before: Kept, after: Kept): string {
    const lost: string[] = [];
    if (before.rowCounts !== after.rowCounts) lost.push("Django row counts changed");
    if (before.checksum !== after.checksum) lost.push("Django table checksum changed");
    const files = after.media.split("\n");
    if (!before.media.split("\n").every((line) => files.includes(line))) lost.push("media files");
    if (JSON.stringify(before.foreign) !== JSON.stringify(after.foreign)) lost.push(".env lines not ours");
    return lost.length === 0 ? "none" : lost.join(", ");
  }

  /** Every secret the run knows (the .env's values of the program's keys, eqmd's passwords). */
  function knownSecrets(): string[] {
    const env = eqmd.envValues();
    return [
      env.SYNAPSE_ADMIN_TOKEN,
      env.SYNAPSE_OIDC_CLIENT_SECRET,
      env.MATRIX_DATABASE_PASSWORD,
      env.MATRIX_BOT_ACCESS_TOKEN,
      env.POSTGRES_PASSWORD,
      env.SECRET_KEY,
      env.EMAIL_HOST_PASSWORD,
    ].filter((v): v is string => typeof v === "string" && v.length >= 12);
  }

  /** The CLI as an operator types it, on the test's backend. */
  async function pulumi(args: readonly string[]): Promise<void> {
    await runCommand(["pulumi", ...args], { cwd: REPO_ROOT, env: prod.env, timeoutMs: 5 * 60_000 });
  }

  async function urnOf(suffix: string): Promise<string> {
    const state = (await prod.stack.exportStack()).deployment as { resources: { urn: string }[] };
    const urn = state.resources.map((r) => r.urn).find((u) => u.endsWith(`::${suffix}`));
    assert.ok(urn, `no resource ${suffix} in the state`);
    return urn;
  }

  /** An `up` expected to fail: its error text (first lines naming the failure). */
  async function failingUp(
    options: Parameters<DevStack["stack"]["up"]>[0],
    atStart?: () => Promise<unknown>,
  ): Promise<string> {
    let output = "";
    let acted: Promise<unknown> | undefined;
    const error = await prod.stack
      .up({
        ...options,
        onOutput: (s) => {
          output += s;
          // The engine prints its first line at once; the program then needs seconds to boot.
          if (atStart && !acted) acted = atStart();
        },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    await acted;
    assert.ok(error, "the up was expected to fail");
    const text = `${String((error as Error).message)}\n${output}`;
    for (const secret of knownSecrets()) assert.ok(!text.includes(secret), "the failed up's output holds no secret");
    return text;
  }

  /**
   * The next `up` converges: it succeeds (with `refresh` when the fault changed the engine
   * behind the state). One preview after the last fault checks that no change is left over.
   */
  async function converges(fault: string, refresh = false): Promise<string> {
    const result: UpResult = await figures.time(`fault ${fault}: the next up`, () => prod.stack.up({ refresh }));
    assert.equal(result.summary.result, "succeeded");
    const changes = Object.entries(result.summary.resourceChanges ?? {})
      .filter(([op]) => op !== "same")
      .map(([op, n]) => `${op} ${n}`);
    return `yes (${changes.length > 0 ? changes.join(", ") : "no change"})`;
  }

  async function waitSynapseHealthy(deadlineMs = 180_000): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (Date.now() < end) {
      if ((await containerState(SYNAPSE).catch(() => ({ health: "" }))).health === "healthy") return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${SYNAPSE} did not become healthy in ${deadlineMs} ms`);
  }

  /** eqmd's "Provision Matrix User" for alice, then her SSO login through the browser flow. */
  async function aliceLogsIn(): Promise<Awaited<ReturnType<typeof loginWithSsoToken>>> {
    await provisionMatrixUser({
      adminUrl: SYNAPSE_URL,
      adminToken: eqmd.envValues().SYNAPSE_ADMIN_TOKEN,
      userId: `@alice:${SERVER_NAME}`,
      displayName: "Alice Doe",
      authProvider: IDP,
      externalId: users.alice.publicId,
    });
    const outcome = await ssoLogin({
      synapseUrl: SYNAPSE_URL,
      idpId: IDP,
      clientRedirectUrl: "https://chat.yourhospital.com/",
      username: "alice",
      password: users.alice.password,
      browser: new Browser(),
    });
    assert.equal(
      outcome.kind,
      "loginToken",
      `alice's SSO login: ${outcome.kind === "refused" ? outcome.page.body.slice(0, 300) : ""}`,
    );
    const client = await loginWithSsoToken(SYNAPSE_URL, outcome.kind === "loginToken" ? outcome.loginToken : "");
    assert.equal(client.getUserId(), `@alice:${SERVER_NAME}`);
    return client;
  }

  before(async () => {
    const removed = await removeLeftovers(PE2E_PREFIX);
    if (removed.length > 0) console.log(`removed what an interrupted earlier run left: ${removed.join(", ")}`);
    eqmd = await figures.time("eqmd stand-in up (docker-compose: PostgreSQL, Django migrated)", () =>
      startEqmdStandIn(),
    );
    initialForeign = eqmd.foreignLines();
    const alice = await eqmd.manage([
      "create_test_user",
      "--username",
      "alice",
      "--password",
      users.alice.password,
      "--matrix-localpart",
      "alice",
      "--first-name",
      "Alice",
      "--last-name",
      "Doe",
    ]);
    users.alice.publicId = /PUBLIC_ID=(\S+)/.exec(alice)?.[1] ?? "";
    users.carol.password = randomBytes(9).toString("hex");
    await eqmd.manage(["create_test_user", "--username", "carol", "--password", users.carol.password]);
    prod = await openE2eStack(STACK, withDifferences(PROD_FILE, PROD_E2E_DIFFERENCES));
    // As the prod example's header says, the secret from eqmd's .env, read from stdin (no argv).
    await runCommand(["pulumi", "config", "set", "--secret", "postgresAdminPassword", "--stack", STACK], {
      cwd: REPO_ROOT,
      env: prod.env,
      input: eqmd.postgresPassword,
    });
  });

  after(async () => {
    if (prod) {
      await prod.stack.destroy({ continueOnError: true }).catch(() => undefined);
      // Kept on delete by design (media.retainOnDelete, and the log volume always); this run made them.
      await docker(["volume", "rm", "-f", NAMES.mediaVolume, NAMES.logVolume]).catch(() => undefined);
      prod.dispose();
    }
    if (eqmd) await eqmd.remove();
    figures.print();
    if (faults.length > 0) {
      const head: FaultRow = {
        fault: "fault",
        said: "what up said",
        converged: "next up converged",
        lost: "data lost",
      };
      const rows = [head, ...faults];
      const w = (k: keyof FaultRow): number => Math.max(...rows.map((r) => r[k].length));
      const line = (r: FaultRow): string =>
        `| ${r.fault.padEnd(w("fault"))} | ${r.said.padEnd(w("said"))} | ${r.converged.padEnd(w("converged"))} | ${r.lost.padEnd(w("lost"))} |`;
      console.log(
        [
          "",
          "Faults (this run):",
          line(head),
          line({
            fault: "-".repeat(w("fault")),
            said: "-".repeat(w("said")),
            converged: "-".repeat(w("converged")),
            lost: "-".repeat(w("lost")),
          }),
          ...faults.map(line),
        ].join("\n"),
      );
    }
  });

  it("up from empty state joins the eqmd stand-in; Synapse starts once", async () => {
    const config = await prod.stack.getConfig("eqmd-matrix:postgresAdminPassword");
    assert.equal(config.secret, true, "postgresAdminPassword is a secret in the stack config");
    djangoIdBefore = (await containerState(PE2E_DJANGO_CONTAINER)).id;
    const starts = await watchStarts(SYNAPSE);
    const execs = await watchEvents(PE2E_DJANGO_CONTAINER, "exec_start", "{{.Action}}");
    const clock = phaseClock();
    const start = Date.now();
    const result = await figures.time("prod-e2e up from empty state", () =>
      prod.stack.up({ onEvent: clock.onEvent, onOutput: (s) => (upOutput += s) }),
    );
    clock.record("up", start);
    synapseStarts = await starts.stop();
    djangoExecs = (await execs.stop()).filter((a) => !a.includes("/o/jwks"));
    assert.equal(result.summary.result, "succeeded");
    assert.equal(synapseStarts, 1, "Synapse was started exactly once");
  });

  it("the OIDC client was created in Django through docker exec, exactly as prod declares", async () => {
    const redirectHost = `127.0.0.1:${PE2E_SYNAPSE_PORT}`;
    assert.ok(
      djangoExecs.includes(
        `exec_start: python manage.py setup_synapse_oidc_client --client-id matrix_synapse_client --matrix-fqdn ${redirectHost}`,
      ),
      `Django's execs: ${djangoExecs.join(" ; ")}`,
    );
    assert.ok(djangoExecs.includes("exec_start: python manage.py creatersakey"), "the first RSA key was created");
    const row = await eqmd.sql(
      "SELECT client_type, jwt_alg, _redirect_uris, md5(client_secret) FROM oidc_provider_client WHERE client_id = 'matrix_synapse_client'",
    );
    const secret = eqmd.envValues().SYNAPSE_OIDC_CLIENT_SECRET;
    assert.equal(
      row,
      `confidential|RS256|http://${redirectHost}/_synapse/client/oidc/callback|${md5(secret)}`,
      "the client row holds the secret the .env got",
    );
    assert.equal(await eqmd.sql("SELECT count(*) FROM oidc_provider_rsakey"), "1");
  });

  it("verification passed: Synapse offers SSO through the issuer, which it reaches", async () => {
    const login = JSON.parse((await http(`${SYNAPSE_URL}/_matrix/client/v3/login`)).body) as {
      flows: { type: string; identity_providers?: { id: string }[] }[];
    };
    const sso = login.flows.find((f) => f.type === "m.login.sso");
    assert.deepEqual(
      sso?.identity_providers?.map((p) => p.id),
      [IDP],
    );
    assert.ok(!login.flows.some((f) => f.type === "m.login.password"), "prod keeps password login off");
    assert.match(upOutput, /matrix-verification-check\s+created/);
    // The issuer as Synapse's container sees it (the same URL the test's browser uses).
    await docker(["exec", SYNAPSE, "curl", "-fsS", "-o", "/dev/null", "http://10.213.57.10:8000/o/jwks"]);
  });

  it("the after-reset hooks ran in the Django container", async () => {
    // The hooks as prod declares them: eqmd's commands by name, the program's own steps by
    // `manage.py shell -c` (clearStaleRooms); the opt-in ones stay off, as in prod.
    const hooks = withDifferences(PROD_FILE, PROD_E2E_DIFFERENCES)["eqmd-matrix:afterReset"] as {
      command?: string[];
      builtin?: string;
      enabled?: boolean;
    }[];
    for (const hook of hooks) {
      const ran = hook.command
        ? djangoExecs.includes(`exec_start: python manage.py ${hook.command.join(" ")}`)
        : djangoExecs.some(
            (a) =>
              a.startsWith("exec_start: python manage.py shell -c") &&
              a.includes(`${BUILTIN_SCRIPTS[hook.builtin as BuiltinHook]}.py`),
          );
      const what = hook.command?.join(" ") ?? String(hook.builtin);
      assert.equal(
        ran,
        hook.enabled !== false,
        `${what} ${hook.enabled === false ? "stayed off" : "ran"} in ${PE2E_DJANGO_CONTAINER}`,
      );
    }
    assert.equal(await whoami(eqmd.envValues().MATRIX_BOT_ACCESS_TOKEN), `@rzero_bot:${SERVER_NAME}`);
  });

  it(".env holds the new values, eqmd's lines are untouched, and Django was recreated and reads them", async () => {
    const env = eqmd.envValues();
    for (const key of [
      "SYNAPSE_ADMIN_TOKEN",
      "SYNAPSE_OIDC_CLIENT_SECRET",
      "MATRIX_DATABASE_PASSWORD",
      "MATRIX_BOT_ACCESS_TOKEN",
    ]) {
      assert.ok((env[key] ?? "").length >= 20, `${key} written`);
    }
    assert.equal(env.SYNAPSE_OIDC_PROVIDER_ID, "equipemed");
    assert.equal(await whoami(env.SYNAPSE_ADMIN_TOKEN), `@admin:${SERVER_NAME}`);
    assert.deepEqual(eqmd.foreignLines(), initialForeign, "every line that is not ours is unchanged");
    const now = await containerState(PE2E_DJANGO_CONTAINER);
    assert.notEqual(now.id, djangoIdBefore, "the recreate command replaced the Django container");
    const inside = await docker([
      "exec",
      PE2E_DJANGO_CONTAINER,
      "sh",
      "-c",
      'printf %s "$SYNAPSE_ADMIN_TOKEN" | md5sum; printf %s "$MATRIX_BOT_ACCESS_TOKEN" | md5sum',
    ]);
    assert.equal(
      inside.replace(/ +-/g, ""),
      `${md5(env.SYNAPSE_ADMIN_TOKEN)}\n${md5(env.MATRIX_BOT_ACCESS_TOKEN)}`,
      "the new Django container has the new tokens",
    );
    for (const secret of knownSecrets()) assert.ok(!upOutput.includes(secret), "no secret in the output of up");
  });

  it("a provisioned eqmd user logs in by SSO with matrix-js-sdk: room, message, upload, download; an unprovisioned one is refused", async () => {
    const client = await figures.time("SSO login + room, message, media (matrix-js-sdk)", async () => {
      const c = await aliceLogsIn();
      const conversation = await roomWithMessage(c, "Plantão (prod-e2e)", "hello from the prod shape");
      assert.ok(conversation.bodies.includes("hello from the prod shape"));
      return c;
    });
    const bytes = randomBytes(32 * 1024);
    const mxc = await uploadMedia(client, bytes, "scan.bin", "application/octet-stream");
    const download = await downloadMedia(client, mxc);
    assert.equal(download.status, 200);
    assert.ok(download.bytes.equals(bytes), "the downloaded bytes are the uploaded ones");
    const refused = await ssoLogin({
      synapseUrl: SYNAPSE_URL,
      idpId: IDP,
      clientRedirectUrl: "https://chat.yourhospital.com/",
      username: "carol",
      password: users.carol.password,
    });
    assert.equal(refused.kind, "refused", "a user eqmd never provisioned gets no login token");
    const logs = await runCommand(["docker", "logs", SYNAPSE], { timeoutMs: 30_000 });
    assert.match(`${logs.stdout}${logs.stderr}`, /User does not exist and registrations? (are|is) disabled/);
  });

  it("a preview an operator can audit on prod: a log-config key and a module's config in clear, a secret-only change without its value", async () => {
    const secretValues = secretStrings(await prod.cli(["stack", "export", "--show-secrets"]));
    assert.ok(secretValues.length >= 6, `found ${secretValues.length} secret values in the state`);
    const audit = async (what: string) => {
      const preview = await prod.cli(["preview", "--diff"]);
      const diff = await prod.npm(["diff", "--", "--stack", STACK]);
      assert.equal(diff.code, 0, diff.stderr);
      console.log(`npm run diff for ${what} (${diff.stdout.trimEnd().split("\n").length} lines):\n${diff.stdout}`);
      assert.ok(diff.stdout.trimEnd().split("\n").length <= 40, "npm run diff fits 40 lines");
      for (const value of secretValues) {
        assert.ok(
          !preview.includes(value),
          `${what}: a secret value (${value.slice(0, 4)}…, ${value.length} characters) appears in preview --diff`,
        );
        assert.ok(!diff.stdout.includes(value), `${what}: a secret value appears in npm run diff`);
      }
      const replaced = [...diff.stdout.matchAll(/^ {2}replace\s+(\S+)/gm)].map((m) => m[1]).sort();
      return { preview, diff: diff.stdout, replaced };
    };

    // (b) A log-config key: the log file's rotation count (previewed only, then set back).
    await prod.cli(["config", "set", "--path", "synapse.fileLog.keep", "5"]);
    try {
      const seen = await audit("a log-config key");
      assert.match(seen.preview, /~ backupCount\s*: 3 => 5/);
      assert.match(seen.diff, /^-\s+backupCount: 3$[\s\S]*^\+\s+backupCount: 5$/m);
      assert.deepEqual(seen.replaced, [
        "matrix-synapse-config-writer",
        "matrix-synapse-container",
        "matrix-verification-check",
      ]);
    } finally {
      await prod.cli(["config", "set", "--path", "synapse.fileLog.keep", "3"]);
    }

    // (d) A Synapse module's config: eqmd's policy module (its stand-in) first declared, then one key changed.
    await prod.cli(["config", "set", "--path", "synapse.modules[0].module", "eqmd_policy.EqmdPolicyModule"]);
    await prod.cli(["config", "set", "--path", "synapse.modules[0].files[0]", "tests/fixtures/eqmd_policy.py"]);
    await prod.cli(["config", "set", "--path", "synapse.modules[0].config.block_invites", "true"]);
    try {
      await prod.stack.up();
      await prod.cli(["config", "set", "--path", "synapse.modules[0].config.block_invites", "false"]);
      const seen = await audit("a Synapse module's config");
      assert.match(seen.preview, /~ block_invites\s*: true => false/);
      assert.match(seen.diff, /^-\s+block_invites: true$[\s\S]*^\+\s+block_invites: false$/m);
      assert.deepEqual(seen.replaced, [
        "matrix-synapse-config-writer",
        "matrix-synapse-container",
        "matrix-verification-check",
      ]);
    } finally {
      await prod.cli(["config", "rm", "--path", "synapse.modules"]);
      await prod.stack.up();
    }

    // A secret-only change: the operator manages the client secret (clientSecretFrom: config).
    const current = secretOutput(await prod.stack.outputs(), "oidcClientSecret");
    await prod.cli(["config", "set", "--path", "oidc.clientSecretFrom", "config"]);
    await runCommand(["pulumi", "config", "set", "--secret", "oidcClientSecret", "--stack", STACK], {
      cwd: REPO_ROOT,
      env: prod.env,
      input: current,
    });
    try {
      await prod.stack.up();
      const next = randomBytes(24).toString("hex");
      await runCommand(["pulumi", "config", "set", "--secret", "oidcClientSecret", "--stack", STACK], {
        cwd: REPO_ROOT,
        env: prod.env,
        input: next,
      });
      const seen = await audit("a new oidcClientSecret");
      assert.ok(!seen.preview.includes(next) && !seen.diff.includes(next), "the new secret is never shown");
      assert.match(seen.diff, /^\[secret\] eqmd_pe2e_matrix_secrets_init: its secret files change/m);
      assert.doesNotMatch(seen.diff, /^-|^\+/m, "no file line: only secrets changed");
      assert.ok(
        seen.replaced.includes("matrix-synapse-secrets-writer") && seen.replaced.includes("matrix-synapse-container"),
      );
    } finally {
      await prod.cli(["config", "rm", "oidcClientSecret"]);
      await prod.cli(["config", "rm", "--path", "oidc.clientSecretFrom"]);
      await prod.stack.up();
    }
  });

  it("the real Pulumi.prod.yaml refuses a reset, and so does prod-e2e until allowed", async () => {
    const refusedCopy = await prod.npm(["reset", "--", "--stack", STACK, "--yes"]);
    assert.equal(refusedCopy.code, 2, refusedCopy.stdout + refusedCopy.stderr);
    const prodBytes = fs.readFileSync(PROD_FILE);
    try {
      await pulumi(["stack", "init", "prod"]);
      const refused = await runCommand(["npm", "run", "--silent", "reset", "--", "--stack", "prod", "--yes"], {
        cwd: REPO_ROOT,
        env: prod.env,
        allowFailure: true,
        timeoutMs: 5 * 60_000,
      });
      assert.equal(refused.code, 2, refused.stdout + refused.stderr);
      assert.match(
        refused.stderr,
        /Refusing to reset stack "prod": its config forbids resets \(eqmd-matrix:reset\.allowed is false\)/,
      );
    } finally {
      await pulumi(["stack", "rm", "prod", "--yes", "--force", "--preserve-config"]);
      // `stack init` adds the passphrase salt to the stack file: put the example back as it was.
      fs.writeFileSync(PROD_FILE, prodBytes);
      await pulumi(["stack", "select", STACK]);
    }
    assert.ok(fs.readFileSync(PROD_FILE).equals(prodBytes), "Pulumi.prod.yaml is byte-identical");
  });

  it("npm run reset, allowed as the README says for a copy of prod: Django's DB untouched, SSO again, .env again, media kept", async () => {
    const before = await kept();
    const envBefore = eqmd.envValues();
    const djangoBefore = (await containerState(PE2E_DJANGO_CONTAINER)).id;
    const starts = await watchStarts(SYNAPSE);
    await prod.cli(["config", "set", "--path", "reset.allowed", "true"]);
    let reset;
    try {
      reset = await figures.time("reset (npm run reset -- --stack prod-e2e --yes)", () =>
        prod.npm(["reset", "--", "--stack", STACK, "--yes"]),
      );
    } finally {
      await prod.cli(["config", "set", "--path", "reset.allowed", "false"]);
    }
    assert.equal(reset.code, 0, `reset failed:\n${reset.stdout}\n${reset.stderr}`);
    console.log(`npm run reset's own summary:\n${reset.stdout.slice(reset.stdout.lastIndexOf("Summary (stack"))}`);
    assert.equal(await starts.stop(), 1, "the reset started Synapse once");
    const afterReset = await kept();
    assert.equal(lostBetween(before, afterReset), "none");
    const envAfter = eqmd.envValues();
    assert.notEqual(envAfter.SYNAPSE_ADMIN_TOKEN, envBefore.SYNAPSE_ADMIN_TOKEN, "a new admin token in .env");
    assert.notEqual(envAfter.MATRIX_BOT_ACCESS_TOKEN, envBefore.MATRIX_BOT_ACCESS_TOKEN, "a new bot token in .env");
    assert.equal(
      envAfter.SYNAPSE_OIDC_CLIENT_SECRET,
      envBefore.SYNAPSE_OIDC_CLIENT_SECRET,
      "the OIDC client kept its secret",
    );
    assert.notEqual((await containerState(PE2E_DJANGO_CONTAINER)).id, djangoBefore, "Django was recreated again");
    assert.equal(await whoami(envAfter.SYNAPSE_ADMIN_TOKEN), `@admin:${SERVER_NAME}`);
    const client = await aliceLogsIn();
    assert.match((await roomWithMessage(client, "after the reset", "SSO again")).roomId, /^!/);
  });

  it("npm run backup while Matrix serves, then npm run restore on prod: Django's DB untouched, old token and room back, Synapse started once", async () => {
    const client = await aliceLogsIn();
    const { roomId } = await roomWithMessage(client, "before the backup", "kept by the backup");
    const aliceToken = client.getAccessToken() ?? "";
    const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-prod-e2e-backup-"));
    await prod.cli(["config", "set", "--path", "reset.allowed", "true"]);
    try {
      const backup = await figures.time("backup (npm run backup)", () =>
        prod.npm(["backup", "--", "--stack", STACK, "--to", backupDir]),
      );
      assert.equal(backup.code, 0, `backup failed:\n${backup.stdout}\n${backup.stderr}`);
      const [folder] = fs.readdirSync(backupDir);
      assert.ok(folder && !folder.endsWith(".partial"), `one complete backup folder in ${backupDir}`);
      // A room made after the backup must be gone after the restore: the restore really happened.
      const { roomId: later } = await roomWithMessage(client, "after the backup", "not in the backup");
      const before = await djangoRows();
      const starts = await watchStarts(SYNAPSE);
      const restore = await figures.time("restore (npm run restore --yes)", () =>
        prod.npm(["restore", "--", "--stack", STACK, "--from", path.join(backupDir, folder), "--yes"]),
      );
      assert.equal(restore.code, 0, `restore failed:\n${restore.stdout}\n${restore.stderr}`);
      console.log(`npm run restore on prod-e2e:\n${restore.stdout.slice(restore.stdout.lastIndexOf("Summary"))}`);
      assert.equal(await starts.stop(), 1, "the restore started Synapse once");
      assert.deepEqual(await djangoRows(), before, "Django's database is untouched by the restore");
      const joined = await fetch(`${SYNAPSE_URL}/_matrix/client/v3/joined_rooms`, {
        headers: { Authorization: `Bearer ${aliceToken}` },
      });
      assert.equal(joined.status, 200, "alice's token from before the backup works after the restore");
      const rooms = ((await joined.json()) as { joined_rooms: string[] }).joined_rooms;
      assert.ok(rooms.includes(roomId), "the room from before the backup is back");
      assert.ok(!rooms.includes(later), "the room made after the backup is gone");
    } finally {
      await prod.cli(["config", "set", "--path", "reset.allowed", "false"]);
      fs.rmSync(backupDir, { recursive: true, force: true });
    }
  });

  it("faults: each up fails clearly or absorbs it, the next up converges, nothing is lost", async () => {
    // 1. Django stopped as the up starts, before its Django step runs (the OIDC client's, replaced).
    {
      const before = await kept();
      const text = await failingUp({ replace: [await urnOf("matrix-oidc-client-setup")] }, () =>
        docker(["stop", PE2E_DJANGO_CONTAINER]),
      );
      assert.match(text, /is not running/);
      assert.match(text, /eqmd-matrix: manage\.py shell failed while counting RSA keys/);
      assert.match(text, /django-oidc-provider RSA keys|setup_synapse_oidc_client/);
      await eqmd.compose(["up", "-d", "eqmd"]);
      await eqmd.healthy();
      const converged = await converges("1");
      faults.push({
        fault: "Django container stopped during up (as it starts)",
        said: said(text, [
          /Container \w+ is not running/,
          /eqmd-matrix: manage\.py shell failed while counting RSA keys/,
        ]),
        converged,
        lost: lostBetween(before, await kept()),
      });
    }
    // 2. Synapse's PostgreSQL unreachable during up (Synapse gone, so up has work to do).
    {
      const before = await kept();
      await docker(["rm", "-f", SYNAPSE]);
      await docker(["stop", EQMD_POSTGRES_CONTAINER]);
      const text = await failingUp({ refresh: true });
      await eqmd.compose(["up", "-d", "postgres"]);
      await waitHealthyContainer(EQMD_POSTGRES_CONTAINER);
      const converged = await converges("2", true);
      faults.push({
        fault: "Synapse's PostgreSQL unreachable during up (stopped, Synapse removed, up --refresh)",
        said: said(text, [/matrix-database-role[^\n]*?error: [^\n]*?PostgreSQL[^\n(]*/, /connect: connection refused/]),
        converged,
        lost: lostBetween(before, await kept()),
      });
    }
    // 3. The OIDC command printing garbage (an eqmd upgrade changed its output, say).
    {
      const before = await kept();
      const garbage = `print("Setting up... ok")\nprint("client_secret: ${randomBytes(16).toString("hex")}")\nprint("\\x1b[31m???\\x1b[0m")\n`;
      const fake = path.join(fs.mkdtempSync("/tmp/eqmd-pe2e-fault-"), "cmd.py");
      fs.writeFileSync(
        fake,
        `from django.core.management.base import BaseCommand\nclass Command(BaseCommand):\n    def add_arguments(self, parser):\n        parser.add_argument("--client-id")\n        parser.add_argument("--matrix-fqdn")\n    def handle(self, *a, **o):\n${garbage
          .split("\n")
          .filter(Boolean)
          .map((l) => `        ${l}`)
          .join("\n")}\n`,
      );
      await docker(["cp", fake, `${PE2E_DJANGO_CONTAINER}:${OIDC_COMMAND_IN_APP}`]);
      let text: string;
      try {
        text = await failingUp({ replace: [await urnOf("matrix-oidc-client-setup")] });
        assert.ok(!text.includes(garbage.split('"')[3]), "the garbage's secret-like line is not echoed");
      } finally {
        await docker(["cp", OIDC_COMMAND_SOURCE, `${PE2E_DJANGO_CONTAINER}:${OIDC_COMMAND_IN_APP}`]);
      }
      assert.match(text, /exited 0 but printed no SYNAPSE_OIDC_CLIENT_SECRET=<secret> line/);
      const converged = await converges("3");
      faults.push({
        fault: "OIDC command printing garbage",
        said: said(text, [/eqmd-matrix: manage\.py setup_synapse_oidc_client exited 0 but printed no \S+ line/]),
        converged,
        lost: lostBetween(before, await kept()),
      });
    }
    // 4. Synapse killed (its process, as a crash) while verification runs.
    {
      const before = await kept();
      let killed = false;
      let output = "";
      const outcome = await prod.stack
        .up({
          replace: [await urnOf("matrix-verification-check")],
          onOutput: (s) => {
            output += s;
            if (!killed && /matrix-verification-check\s+(creating|replacing|created)/.test(output)) {
              killed = true;
              void docker(["inspect", "-f", "{{.State.Pid}}", SYNAPSE]).then((pid) =>
                runCommand(["kill", "-KILL", pid]),
              );
            }
          },
        })
        .then(
          () => "up succeeded: verification outlasted the crash (the restart policy brought Synapse back)",
          (e: unknown) =>
            said(String((e as Error).message), [
              /matrix-verification-check[^\n]*error[^\n]*/,
              /eqmd-matrix: [^\n]*verif[^\n]*/i,
            ]),
        );
      assert.ok(killed, "Synapse was killed during verification");
      for (const secret of knownSecrets()) assert.ok(!output.includes(secret), "no secret in the output");
      await waitSynapseHealthy();
      const converged = await converges("4");
      faults.push({
        fault: "Synapse killed during verification",
        said: outcome,
        converged,
        lost: lostBetween(before, await kept()),
      });
    }
    await figures.time("fault: preview after the last fault (no change left)", () =>
      prod.stack.preview({ expectNoChanges: true }),
    );
    assert.ok(
      faults.every((f) => f.lost === "none"),
      JSON.stringify(faults, null, 2),
    );
  });

  it("issue 19: eqmd's space-joined redirect URIs break SSO and the OIDC step repairs them", async () => {
    const callback = `http://127.0.0.1:${PE2E_SYNAPSE_PORT}/_synapse/client/oidc/callback`;
    const authorize = async (): Promise<string> => {
      const query = new URLSearchParams({
        client_id: "matrix_synapse_client",
        redirect_uri: callback,
        response_type: "code",
        scope: "openid",
        state: "s",
      });
      const { status, body } = await http(`${PE2E_ISSUER}/authorize?${query.toString()}`, { redirect: "manual" });
      return `${status} ${body.includes("Redirect URI Error") ? "Redirect URI Error" : "no error page"}`;
    };
    const stored = async () =>
      parseStoredRedirectUris(await eqmd.manage(["shell", "-c", storedRedirectUrisCode("matrix_synapse_client")]));
    assert.equal(await authorize(), "302 no error page", "before: the authorize endpoint accepts Synapse's callback");
    // A second Matrix host, as the rebuild after an FQDN change runs eqmd's command with it.
    await eqmd.manage(["setup_synapse_oidc_client", "--matrix-fqdn", "matrix.newhospital.org"]);
    assert.equal(await stored(), `${callback} http://matrix.newhospital.org/_synapse/client/oidc/callback`);
    const broken = await authorize();
    assert.match(broken, /Redirect URI Error/, "eqmd's space-joined list matches no host");
    console.log(`after eqmd's command with a second FQDN, /o/authorize answered: ${broken}`);
    // The OIDC step runs again (a reset replaces it; here only it is replaced): eqmd's command, then the repair.
    const up = await prod.stack.up({ replace: [await urnOf("matrix-oidc-client-setup")] });
    assert.equal(up.summary.result, "succeeded");
    assert.equal(await stored(), `${callback}\nhttp://matrix.newhospital.org/_synapse/client/oidc/callback`);
    assert.equal(await authorize(), "302 no error page", "after: SSO's first hop accepts the callback again");
  });

  it("issue 19: checkLocalparts stops provisioning before eqmd makes a fallback account", async () => {
    await pulumi(["config", "set", "--path", "afterReset[2].enabled", "true", "--stack", STACK]);
    const carolId = await eqmd.sql(
      "SELECT p.public_id FROM accounts_userprofile p JOIN auth_user u ON u.id = p.user_id WHERE u.username = 'carol'",
    );
    const text = await failingUp({});
    const line =
      /eqmd-matrix: checkLocalparts: 1 of \d+ active eqmd user\(s\) have no Matrix localpart: carol\.[^\n]*/.exec(
        text,
      )?.[0];
    assert.ok(line, text.slice(0, 2000));
    assert.match(line, /Fix: set each user's Matrix localpart in Django's admin .*or deactivate the user/);
    console.log(`checkLocalparts said: ${line.slice(0, 200)}`);
    const fallback = await http(
      `${SYNAPSE_URL}/_synapse/admin/v2/users/${encodeURIComponent(`@u_${carolId}:${SERVER_NAME}`)}`,
      { headers: { authorization: `Bearer ${eqmd.envValues().SYNAPSE_ADMIN_TOKEN}` } },
    );
    assert.equal(fallback.status, 404, "eqmd's provisioning never ran: no fallback account for carol");
    // The fix the message names: her localpart, set in Django; the next up provisions everyone.
    await eqmd.manage([
      "create_test_user",
      "--username",
      "carol",
      "--password",
      users.carol.password,
      "--matrix-localpart",
      "carol",
    ]);
    const after = await prod.stack.up();
    assert.equal(after.summary.result, "succeeded");
    const carol = await http(`${SYNAPSE_URL}/_synapse/admin/v2/users/${encodeURIComponent(`@carol:${SERVER_NAME}`)}`, {
      headers: { authorization: `Bearer ${eqmd.envValues().SYNAPSE_ADMIN_TOKEN}` },
    });
    assert.equal(carol.status, 200, "provisioned under her localpart");
  });

  it("issue 19: the admin and eqmd's bot are exempt from rate limits: 50 bot messages, no 429", async () => {
    const env = eqmd.envValues();
    const adminAuth = { authorization: `Bearer ${env.SYNAPSE_ADMIN_TOKEN}` };
    for (const user of [`@admin:${SERVER_NAME}`, `@rzero_bot:${SERVER_NAME}`]) {
      const { body } = await http(
        `${SYNAPSE_URL}/_synapse/admin/v1/users/${encodeURIComponent(user)}/override_ratelimit`,
        { headers: adminAuth },
      );
      assert.deepEqual(JSON.parse(body), { messages_per_second: 0, burst_count: 0 }, `${user} is exempt`);
    }
    const send = async (token: string, count: number, stopAt429: boolean): Promise<number> => {
      const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const room = await http(`${SYNAPSE_URL}/_matrix/client/v3/createRoom`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ preset: "private_chat", name: "rate limits (e2e)" }),
      });
      const roomId = encodeURIComponent(String((JSON.parse(room.body) as { room_id?: string }).room_id));
      let limited = 0;
      for (let i = 0; i < count; i++) {
        const r = await http(
          `${SYNAPSE_URL}/_matrix/client/v3/rooms/${roomId}/send/m.room.message/e2e-${Date.now()}-${i}`,
          {
            method: "PUT",
            headers: auth,
            body: JSON.stringify({ msgtype: "m.text", body: `message ${i}` }),
          },
        );
        if (r.status === 429) {
          limited += 1;
          if (stopAt429) break;
        } else assert.equal(r.status, 200, r.body.slice(0, 200));
      }
      return limited;
    };
    const started = Date.now();
    const botLimited = await send(env.MATRIX_BOT_ACCESS_TOKEN, 50, false);
    figures.record("50 messages sent by the bot", Date.now() - started);
    assert.equal(botLimited, 0, "no HTTP 429 for eqmd's bot");
    // The control: alice is not exempt and meets Synapse's rc_message (burst 10) within 15 messages.
    const alice = await aliceLogsIn();
    const aliceLimited = await send(alice.getAccessToken() ?? "", 15, true);
    alice.stopClient();
    assert.equal(aliceLimited, 1, "a user who is not exempt is throttled (Synapse's default rc_message)");
  });
});

/** What an `up` said, for the table: the first match of each pattern, joined (each shortened). */
function said(text: string, patterns: readonly RegExp[]): string {
  const found = patterns.map((p) => p.exec(text)?.[0]).filter((m): m is string => m !== undefined);
  const parts = found.length > 0 ? found : [text.split("\n").find((l) => /error/i.test(l)) ?? "(no error line)"];
  return parts
    .map((part) =>
      part
        .replace(/\s+/g, " ")
        .replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, "$1")
        .trim(),
    )
    .map((part) => (part.length > 120 ? `${part.slice(0, 117)}...` : part))
    .join(" / ");
}

async function waitHealthyContainer(name: string, deadlineMs = 120_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if ((await containerState(name).catch(() => ({ health: "" }))).health === "healthy") return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${name} did not become healthy`);
}
