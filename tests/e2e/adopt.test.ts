/**
 * `npm run adopt` for real (issue 12, item 1, the Docker half): on the eqmd stand-in, Matrix is
 * first built the way eqmd's hand procedure builds it (support/handBuiltMatrix.ts: eqmd's
 * bootstrap SQL, eqmd's compose services at Synapse 1.99.0, an account, a room, an upload).
 * The stack `adopt-e2e` (prod-e2e's config with Synapse at eqmd's pin) then takes it over with
 * `npm run adopt`, as an operator types it, and is upgraded to the current Synapse by one config
 * value, as the README says. Every claim is checked from outside Pulumi: psql in eqmd's
 * PostgreSQL, docker inspect and docker events, matrix-js-sdk against Synapse, the `.env`.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { Direction } from "matrix-js-sdk";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { resourceNames } from "../../config/names";
import { clientWithToken, downloadMedia } from "../contract/support/matrixClient";
import { REPO_ROOT } from "../contract/support/paths";
import { runCommand } from "../contract/support/run";
import { ADOPT_E2E_DIFFERENCES, PE2E_POSTGRES_PORT, PE2E_PREFIX, PE2E_SYNAPSE_PORT } from "./prodDifferences";
import {
  containerState,
  docker,
  inspectContainer,
  mediaDigest,
  removeLeftovers,
  watchEvents,
  watchVolumeEvents,
} from "./support/docker";
import { DevStack, openE2eStack } from "./support/devStack";
import { EqmdStandIn, startEqmdStandIn } from "./support/eqmdStandIn";
import { Figures } from "./support/figures";
import { buildMatrixByHand, HAND_DATABASE, HAND_ROLE, HandBuiltMatrix } from "./support/handBuiltMatrix";
import { EQMD_SYNAPSE_IMAGE, SYNAPSE_IMAGE } from "./support/images";
import { withDifferences } from "./support/stackConfig";

const STACK = "adopt-e2e";
const PROD_FILE = path.join(REPO_ROOT, "Pulumi.prod.yaml");
const NAMES = resourceNames(PE2E_PREFIX);
const SYNAPSE = NAMES.synapseContainer;
const ELEMENT = NAMES.elementContainer;
const SYNAPSE_URL = `http://127.0.0.1:${PE2E_SYNAPSE_PORT}`;

const figures = new Figures();

interface Lifecycle {
  readonly action: string;
  readonly id: string;
  readonly atMs: number;
}

/** `<action> <id> <time in ns>` lines (the action may hold a space: "health_status: healthy"). */
function lifecycleOf(lines: readonly string[]): Lifecycle[] {
  return lines.map((line) => {
    const parts = line.split(" ");
    const atNs = parts.pop() ?? "0";
    const id = parts.pop() ?? "";
    return { action: parts.join(" "), id, atMs: Number(BigInt(atNs) / 1_000_000n) };
  });
}

/** What the adopt must keep: the database itself (its OID) and the media bytes. */
interface Kept {
  databaseOid: string;
  media: string;
}

describe(
  "npm run adopt on the real engine: Matrix built by eqmd's hand procedure, taken over, then upgraded",
  {
    timeout: 30 * 60_000,
  },
  () => {
    let eqmd: EqmdStandIn;
    let stack: DevStack;
    let hand: HandBuiltMatrix;
    let before0: Kept;
    const handIds = { synapse: "", element: "" };

    async function kept(): Promise<Kept> {
      return {
        databaseOid: await eqmd.sql(`SELECT oid FROM pg_database WHERE datname = '${HAND_DATABASE}'`, "postgres"),
        media: await mediaDigest(SYNAPSE),
      };
    }

    /** The image id a container runs (the program names images by id, compose by tag). */
    async function imageOf(container: string): Promise<string> {
      return docker(["inspect", "-f", "{{.Image}}", container]);
    }

    async function imageId(tag: string): Promise<string> {
      return docker(["image", "inspect", "-f", "{{.Id}}", tag]);
    }

    async function schemaVersion(): Promise<number> {
      return Number(await eqmd.sql("SELECT max(version) FROM schema_version", HAND_DATABASE));
    }

    /** Every secret the run knows: none may appear in what the adopt prints. */
    function secrets(): string[] {
      const env = eqmd.envValues();
      return [
        hand.databasePassword,
        hand.admin.accessToken,
        hand.alice.accessToken,
        eqmd.postgresPassword,
        env.MATRIX_DATABASE_PASSWORD,
        env.SYNAPSE_ADMIN_TOKEN,
        env.SYNAPSE_OIDC_CLIENT_SECRET,
        env.MATRIX_BOT_ACCESS_TOKEN,
      ].filter((v): v is string => typeof v === "string" && v.length >= 12);
    }

    function assertNoSecret(text: string, what: string): void {
      for (const secret of secrets()) assert.ok(!text.includes(secret), `${what} holds no secret`);
    }

    /** Alice's access token from the hand install still works: her room's history and her upload are there. */
    async function aliceStillHasHerData(): Promise<void> {
      const alice = clientWithToken(SYNAPSE_URL, hand.alice.accessToken, hand.alice.userId);
      assert.equal((await alice.whoami()).user_id, hand.alice.userId, "alice's old access token works");
      const page = await alice.createMessagesRequest(hand.roomId, null, 20, Direction.Backward);
      const bodies = page.chunk
        .filter((e) => e.type === "m.room.message")
        .map((e) => (e.content as { body?: string }).body)
        .reverse();
      assert.deepEqual(bodies, hand.messages, "the room's history is all there, in order");
      const download = await downloadMedia(alice, hand.upload.mxc);
      assert.equal(download.status, 200, `the upload downloads (${download.url})`);
      assert.ok(download.bytes.equals(hand.upload.bytes), "the upload's bytes are the same");
    }

    async function stateUrns(): Promise<string[]> {
      const deployment = (await stack.stack.exportStack()).deployment as { resources?: { urn: string }[] };
      return (deployment.resources ?? []).map((r) => r.urn).sort();
    }

    /** `npm run adopt -- --stack adopt-e2e [args]`, timed; its output checked for secrets. */
    async function adopt(label: string, args: readonly string[] = []): Promise<{ code: number | null; out: string }> {
      const result = await figures.time(label, () => stack.npm(["adopt", "--", "--stack", STACK, ...args]));
      const out = `${result.stdout}\n${result.stderr}`;
      assertNoSecret(out, `${label}'s output`);
      return { code: result.code, out };
    }

    before(async () => {
      const removed = await removeLeftovers(PE2E_PREFIX);
      if (removed.length > 0) console.log(`removed what an interrupted earlier run left: ${removed.join(", ")}`);
      eqmd = await figures.time("eqmd stand-in up (docker-compose: PostgreSQL, Django)", () =>
        startEqmdStandIn({ matrixServices: true }),
      );
      hand = await figures.time(
        "hand procedure: bootstrap SQL, compose up matrix-synapse element-web (1.99.0), admin, alice's room and upload",
        () => buildMatrixByHand(eqmd, { synapse: SYNAPSE, mediaVolume: NAMES.mediaVolume }),
      );
      handIds.synapse = (await containerState(SYNAPSE)).id;
      handIds.element = (await containerState(ELEMENT)).id;
      before0 = await kept();
      assert.match(before0.media, /local_content/, "the upload is in the media volume");
      stack = await openE2eStack(STACK, withDifferences(PROD_FILE, ADOPT_E2E_DIFFERENCES));
      await runCommand(["pulumi", "config", "set", "--secret", "postgresAdminPassword", "--stack", STACK], {
        cwd: REPO_ROOT,
        env: stack.env,
        input: eqmd.postgresPassword,
      });
    });

    after(async () => {
      if (stack) {
        await stack.stack.destroy({ continueOnError: true }).catch(() => undefined);
        stack.dispose();
      }
      if (eqmd) await eqmd.remove();
      // Kept on delete by design (media.retainOnDelete, the log volume always); this run made them.
      await removeLeftovers(PE2E_PREFIX);
      figures.print();
    });

    it("without a terminal and without --yes: it shows what it found and the plan, then puts the state back", async () => {
      const { code, out } = await adopt("adopt without --yes (refused after the preview)");
      console.log(`npm run adopt (no --yes), its report:\n${out.slice(out.indexOf("Found:"))}`);
      assert.equal(code, 2, out);
      for (const object of [
        `role ${HAND_ROLE}`,
        `database ${HAND_DATABASE}`,
        `volume ${NAMES.mediaVolume}`,
        `container ${SYNAPSE}`,
        `container ${ELEMENT}`,
      ]) {
        assert.ok(out.includes(`  - ${object}\n`), `found ${object}`);
      }
      assert.match(out, new RegExp(`container ${SYNAPSE}: replace`), "the hand-made Synapse is to be replaced");
      assert.match(out, new RegExp(`container ${ELEMENT}: replace`), "the hand-made Element is to be replaced");
      assert.match(out, new RegExp(`database ${HAND_DATABASE}: update \\([^)]*owner`), "the database: owner in place");
      assert.match(out, new RegExp(`volume ${NAMES.mediaVolume}: no change`), "the media volume is kept as it is");
      assert.doesNotMatch(out, new RegExp(`(role|database|volume) [a-z_]+: replace`), "nothing kept is replaced");
      assert.match(out, /Refusing to adopt without a terminal/);
      assert.match(out, /The state was put back as it was before the adopt/);
      assert.deepEqual(await stateUrns(), [], "the state holds nothing, as before");
      assert.equal((await containerState(SYNAPSE)).id, handIds.synapse, "the hand-made Synapse still runs");
      assert.equal((await containerState(ELEMENT)).id, handIds.element, "the hand-made Element still runs");
      assert.equal((await containerState(SYNAPSE)).health, "healthy");
    });

    it("with --yes: imported, each hand-made container replaced once, the database and the media kept", async () => {
      const volumeEvents = await watchVolumeEvents(NAMES.mediaVolume, ["destroy"]);
      const lifecycle = "{{.Action}} {{.ID}} {{.TimeNano}}";
      const watched = {
        synapse: await watchEvents(SYNAPSE, ["kill", "destroy", "start", "health_status"], lifecycle),
        element: await watchEvents(ELEMENT, ["destroy", "start"], lifecycle),
      };
      const { code, out } = await adopt("adopt --yes (import, preview, up)", ["--yes"]);
      assert.equal(code, 0, out);
      assert.match(out, /Done: stack "adopt-e2e" owns the Matrix side/);
      const upPart = out.slice(out.indexOf("Running pulumi up"));
      const steps = upPart
        .split("\n")
        .filter((l) => /(replac|delet)|^\s+[+~-]?\s*\d+ (created|updated|replaced|unchanged)/.test(l));
      console.log(`the adopt's up, its replacements in order and its summary:\n${steps.join("\n")}`);

      const synapseNow = await containerState(SYNAPSE);
      const elementNow = await containerState(ELEMENT);
      const synapseEvents = lifecycleOf(await watched.synapse.stop());
      const elementEvents = lifecycleOf(await watched.element.stop());
      const ids = (events: Lifecycle[], action: string): string[] =>
        events.filter((e) => e.action === action).map((e) => e.id);
      assert.deepEqual(ids(synapseEvents, "destroy"), [handIds.synapse], "the hand-made Synapse was removed once");
      assert.deepEqual(ids(elementEvents, "destroy"), [handIds.element], "the hand-made Element was removed once");
      assert.deepEqual(ids(synapseEvents, "start"), [synapseNow.id], "the stack's Synapse started once");
      assert.deepEqual(ids(elementEvents, "start"), [elementNow.id], "the stack's Element started once");
      // Matrix is down from the moment the engine stops the hand-made Synapse until the new one is healthy.
      const stopped = synapseEvents.find((e) => e.action === "kill" && e.id === handIds.synapse);
      const healthy = synapseEvents.find((e) => e.action === "health_status: healthy" && e.id === synapseNow.id);
      assert.ok(stopped && healthy, `kill and healthy events: ${JSON.stringify(synapseEvents)}`);
      figures.record("adopt: Synapse down (hand-made one stopped → the stack's healthy)", healthy.atMs - stopped.atMs);
      assert.equal(await imageOf(SYNAPSE), await imageId(EQMD_SYNAPSE_IMAGE), "still eqmd's pin: no version change");
      const labels0 = ((await inspectContainer(SYNAPSE))?.["Config"] as { Labels?: Record<string, string> }).Labels;
      assert.equal(labels0?.["eqmd.matrix/role"], "synapse", "the stack's own Synapse container");

      const now = await kept();
      assert.equal(now.databaseOid, before0.databaseOid, "the same database (same OID): not dropped, not recreated");
      assert.deepEqual(await volumeEvents.stop(), [], "the media volume was never removed");
      assert.equal(now.media, before0.media, "every media file has the same bytes");
      const labels = await docker(["volume", "inspect", "-f", "{{json .Labels}}", NAMES.mediaVolume]);
      assert.match(labels, /com\.docker\.compose\.project/, "the volume keeps compose's labels");
      const owner = await eqmd.sql(
        `SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${HAND_DATABASE}'`,
        "postgres",
      );
      assert.equal(owner, HAND_ROLE, "the first up gave the database to Synapse's role, in place");
      await aliceStillHasHerData();

      const env = eqmd.envValues();
      assert.notEqual(env.MATRIX_DATABASE_PASSWORD, hand.databasePassword, ".env has the stack's role password");
      const login = (password: string) =>
        runCommand(
          [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            String(PE2E_POSTGRES_PORT),
            "-U",
            HAND_ROLE,
            "-d",
            HAND_DATABASE,
            "-tAc",
            "SELECT 1",
          ],
          { env: { PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" }, allowFailure: true },
        );
      assert.notEqual(
        (await login(hand.databasePassword)).code,
        0,
        "the hand install's role password no longer logs in",
      );
      assert.equal((await login(env.MATRIX_DATABASE_PASSWORD)).stdout.trim(), "1", "the stack's password logs in");
      const admin = clientWithToken(SYNAPSE_URL, env.SYNAPSE_ADMIN_TOKEN, "");
      assert.equal(
        (await admin.whoami()).user_id,
        hand.admin.userId,
        "the .env's admin token is the hand install's admin's",
      );
    });

    it("run again, the adopt finds everything in the state; the next preview changes nothing", async () => {
      const { code, out } = await adopt("adopt again (nothing to import)", ["--yes"]);
      assert.equal(code, 0, out);
      assert.match(out, /Nothing to import: the state of "adopt-e2e" already holds every object found/);
      await figures.time("preview after the adopt (expect no changes)", () =>
        stack.stack.preview({ expectNoChanges: true }),
      );
    });

    it("the upgrade from eqmd's pin is one config value: only Synapse's image, jobs, container and verification are replaced", async () => {
      const before1 = await schemaVersion();
      await stack.cli(["config", "set", "--path", "synapse.image", SYNAPSE_IMAGE]);
      const replaced = new Set<string>();
      const other = new Set<string>();
      const onEvent = (event: EngineEvent): void => {
        const meta = event.resourcePreEvent?.metadata;
        if (!meta || meta.op === "same" || meta.op === "read" || meta.type.startsWith("pulumi:pulumi:Stack")) return;
        const name = meta.urn.slice(meta.urn.lastIndexOf("::") + 2);
        (["replace", "create-replacement", "delete-replaced"].includes(meta.op) ? replaced : other).add(
          `${name} ${meta.op}`,
        );
      };
      await figures.time("upgrade preview", () => stack.stack.preview({ onEvent }));
      const names = [...new Set([...replaced].map((s) => s.split(" ")[0]))].sort();
      console.log(
        `upgrade preview (real engine): replaced ${names.join(", ")}; other steps: ${[...other].join(", ") || "none"}`,
      );
      assert.deepEqual(names, [
        // The jobs that write Synapse's config and secrets volumes run from its image too.
        "matrix-synapse-config-writer",
        "matrix-synapse-container",
        "matrix-synapse-image",
        "matrix-synapse-logs-owner",
        "matrix-synapse-media-owner",
        "matrix-synapse-secrets-writer",
        // Triggered by the container's id: the new Synapse is verified again.
        "matrix-verification-check",
      ]);
      assert.deepEqual([...other], [], "no other resource changes");

      const synapseBefore = (await containerState(SYNAPSE)).id;
      const started = await watchEvents(SYNAPSE, "start", "{{.ID}}");
      const result = await figures.time("upgrade up (1.99.0 → current)", () => stack.stack.up());
      assert.equal(result.summary.result, "succeeded");
      const synapseNow = await containerState(SYNAPSE);
      assert.notEqual(synapseNow.id, synapseBefore);
      assert.equal(await imageOf(SYNAPSE), await imageId(SYNAPSE_IMAGE), "Synapse runs the current release");
      assert.deepEqual(await started.stop(), [synapseNow.id], "Synapse started once, on the new image");
      const after1 = await schemaVersion();
      assert.ok(after1 > before1, `Synapse migrated the schema (${before1} → ${after1})`);
      const now = await kept();
      assert.equal(now.databaseOid, before0.databaseOid, "the same database");
      assert.equal(now.media, before0.media, "the same media");
      await aliceStillHasHerData();
      console.log(`upgrade: schema ${before1} → ${after1}; alice's token, history and upload kept`);
    });
  },
);
