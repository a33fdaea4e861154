/**
 * The cost of a backup and a restore against data size: a script, not a test.
 *
 *   npx tsx testbed/bench/backup.ts [--events 10000,100000] [--media-mib 16,128]
 *
 * Brings up a `dev-bench` stack: Pulumi.dev.yaml with the e2e tier's stand-in images and names
 * and ports of its own (prefix eqmd_bench, 127.0.0.1:28308/28380/55533; a dev-* name because
 * the managed PostgreSQL is for dev stacks only), so it needs no e2e lock; loopback only. It
 * makes a room with real messages through Synapse's API, then grows it to each size in turn:
 * events cloned from a real message inside PostgreSQL, each with a random body
 * (jsonb_populate_record keeps every column of
 * whichever Synapse version), media as random files in the media volume. At each size it
 * takes `npm run backup` and `npm run restore` in-process (their own code and timings) and
 * prints one row; the stack and its volumes are removed at the end. Bounded: every step has a
 * timeout and the whole run stops after --budget-min minutes (default 30).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { resourceNames } from "../../config/names";
import { formatDuration } from "../../ops/reset/timing";
import { readFacts, ResetFacts } from "../../ops/reset/facts";
import { fromAutomationStack } from "../../ops/reset/automation";
import { runCommand } from "../../ops/reset/node";
import { realDeps } from "../../ops/reset/realDeps";
import { takeBackup } from "../../ops/backup/run";
import { programVersion, REPO_ROOT } from "../../ops/backup/program";
import { psqlCommand } from "../../ops/backup/commands";
import { restore } from "../../ops/restore/run";
import { DEV_STACK_FILE, openE2eStack } from "../../tests/e2e/support/devStack";
import { docker, removeLeftovers } from "../../tests/e2e/support/docker";
import { withDifferences } from "../../tests/e2e/support/stackConfig";
import { makeData, MatrixHttp } from "../../tests/e2e/support/matrixData";
import { DEV_E2E_DIFFERENCES } from "../../tests/e2e/differences";

const MIB = 1024 * 1024;
const BENCH_PREFIX = "eqmd_bench";
const BENCH_SYNAPSE_PORT = 28308;
const NAMES = resourceNames(BENCH_PREFIX);

/** The dev-e2e differences with the bench's own names and ports. */
function benchConfig(): Record<string, unknown> {
  const own: Record<string, string | number> = {
    containerPrefix: BENCH_PREFIX,
    "network.name": `${BENCH_PREFIX}_net`,
    "synapse.port": `127.0.0.1:${BENCH_SYNAPSE_PORT}`,
    publicBaseUrl: `http://localhost:${BENCH_SYNAPSE_PORT}/`,
    "element.port": "127.0.0.1:28380",
    "postgres.port": 55533,
  };
  return withDifferences(
    DEV_STACK_FILE,
    DEV_E2E_DIFFERENCES.map((d) => ({ key: d.key, value: own[d.key] ?? d.value })),
  );
}

interface Row {
  events: number;
  mediaMib: number;
  dbMib: number;
  dumpMib: number;
  backup: { database: number; media: number; total: number };
  restore: { phases: Record<string, string>; total: number };
}

async function sqlText(facts: ResetFacts, statement: string): Promise<string> {
  const r = await runCommand(psqlCommand(facts, facts.database.name, statement));
  if (r.exitCode !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

/** Grows the room to `total` events by cloning one real message (events + event_json rows). */
async function growEvents(facts: ResetFacts, seedEventId: string, total: number): Promise<void> {
  const have = Number(await sqlText(facts, "SELECT count(*) FROM events WHERE event_id LIKE '$bench%'"));
  if (total <= have) return;
  const seed = seedEventId.replace(/'/g, "''");
  await sqlText(
    facts,
    `WITH base AS (SELECT max(stream_ordering) AS s, max(topological_ordering) AS t FROM events)
     INSERT INTO events SELECT (jsonb_populate_record(NULL::events, to_jsonb(e) || jsonb_build_object(
       'event_id', '$bench' || g || ':localhost', 'stream_ordering', base.s + g - ${have},
       'topological_ordering', base.t + g - ${have}))).*
     FROM events e, base, generate_series(${have + 1}, ${total}) g WHERE e.event_id = '${seed}'`,
  );
  await sqlText(
    facts,
    // Each clone gets its own event id and a body of its own (128 random hex characters), so the
    // dump compresses as real conversations do, not as one row repeated.
    `INSERT INTO event_json SELECT (jsonb_populate_record(NULL::event_json, to_jsonb(j) || jsonb_build_object(
       'event_id', '$bench' || g || ':localhost',
       'json', regexp_replace(j.json, '"body":"[^"]*"', '"body":"' || repeat(md5(g::text || random()::text), 4) || '"')))).*
     FROM event_json j, generate_series(${have + 1}, ${total}) g WHERE j.event_id = '${seed}'`,
  );
}

/** Fills the media volume up to `mib` MiB of random files (1 MiB each) under local_content/bench. */
async function growMedia(mib: number): Promise<void> {
  await docker(
    [
      "run",
      "--rm",
      "--network",
      "none",
      "--user",
      "1001:1001",
      "--entrypoint",
      "/bin/sh",
      "-v",
      `${NAMES.mediaVolume}:/store`,
      "eqmd-e2e/debian:bookworm",
      "-c",
      `mkdir -p /store/local_content/bench && cd /store/local_content/bench && ` +
        `i=$(ls | wc -l); while [ "$i" -lt ${mib} ]; do head -c ${MIB} /dev/urandom > f$i; i=$((i+1)); done`,
    ],
    10 * 60_000,
  );
}

function quietDeps(stack: Parameters<typeof realDeps>[0], log: string[]) {
  return {
    ...realDeps(stack, REPO_ROOT),
    write: (t: string) => void log.push(t),
    writeError: (t: string) => void log.push(t),
    interrupted: () => false,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: "string", default: "10000,100000" },
      "media-mib": { type: "string", default: "16,128" },
      "budget-min": { type: "string", default: "30" },
    },
  });
  const sizes = String(values.events).split(",").map(Number);
  const media = String(values["media-mib"]).split(",").map(Number);
  const deadline = Date.now() + Number(values["budget-min"]) * 60_000;
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0) || media.length !== sizes.length)
    throw new Error("--events and --media-mib: as many positive integers each, comma-separated");

  await removeLeftovers(BENCH_PREFIX);
  const dev = await openE2eStack("dev-bench", benchConfig());
  Object.assign(process.env, dev.env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "eqmd-bench-"));
  const rows: Row[] = [];
  try {
    await dev.stack.up({ onOutput: () => undefined });
    const outputs = await dev.stack.outputs();
    const http = new MatrixHttp(`http://127.0.0.1:${BENCH_SYNAPSE_PORT}`);
    const data = await makeData(http, String(outputs["synapseAdminToken"]?.value), "localhost", 10, []);
    const stack = fromAutomationStack(dev.stack);
    const facts = await readFacts(stack, undefined, "read");
    if (!("urn" in facts) || facts.urn === undefined) throw new Error("dev-e2e has no MatrixStack after up");
    const seed = await sqlText(
      facts,
      `SELECT event_id FROM events WHERE room_id = '${data.roomId}' AND type = 'm.room.message' ORDER BY stream_ordering DESC LIMIT 1`,
    );

    for (const [i, events] of sizes.entries()) {
      if (Date.now() > deadline) {
        console.log(`budget spent: stopping before ${events} events`);
        break;
      }
      const mediaMib = media[i] ?? 0;
      await growEvents(facts, seed, events);
      await growMedia(mediaMib);
      const dbMib = Number(await sqlText(facts, "SELECT pg_database_size(current_database())")) / MIB;
      const started = Date.now();
      const b = await takeBackup(
        { runCommand, now: () => new Date() },
        facts,
        { to: work, program: programVersion(), progressIntervalMs: 0 },
        () => undefined,
      );
      if (!b.ok) throw new Error(`backup at ${events}: ${b.message}`);
      const backupMs = Date.now() - started;
      const log: string[] = [];
      const restoreStart = Date.now();
      const code = await restore({ stack: dev.name, from: b.dir, yes: true }, quietDeps(stack, log));
      if (code !== 0) throw new Error(`restore at ${events} exited ${code}:\n${log.join("")}`);
      const summary = log.join("").slice(log.join("").indexOf("Summary"));
      const phases = Object.fromEntries(
        [...summary.matchAll(/^ {2}(\w+) +(\d[^ \n]*(?: \d[^ \n]*s)?)/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]),
      );
      rows.push({
        events,
        mediaMib,
        dbMib,
        dumpMib: b.manifest.files.database.bytes / MIB,
        backup: { database: b.manifest.timingsMs.database, media: b.manifest.timingsMs.media, total: backupMs },
        restore: { phases, total: Date.now() - restoreStart },
      });
      fs.rmSync(b.dir, { recursive: true, force: true });
      printRows(rows);
    }
  } finally {
    await dev.stack.destroy({ continueOnError: true }).catch(() => undefined);
    dev.dispose();
    await docker(["volume", "rm", "-f", NAMES.mediaVolume, NAMES.postgresDataVolume]).catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function printRows(rows: readonly Row[]): void {
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  console.log(
    "\nevents | db MiB | dump MiB | media MiB | backup db s | backup media s | backup s | events/s (dump) | media MiB/s (tar) | restore stage | swap | start | rebuild | restore s",
  );
  for (const r of rows) {
    console.log(
      [
        r.events,
        r.dbMib.toFixed(1),
        r.dumpMib.toFixed(1),
        r.mediaMib,
        s(r.backup.database),
        s(r.backup.media),
        s(r.backup.total),
        Math.round(r.events / Math.max(r.backup.database / 1000, 0.001)),
        (r.mediaMib / Math.max(r.backup.media / 1000, 0.001)).toFixed(1),
        r.restore.phases["stage"],
        r.restore.phases["swap"],
        r.restore.phases["start"],
        r.restore.phases["rebuild"],
        formatDuration(r.restore.total),
      ].join(" | "),
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);
