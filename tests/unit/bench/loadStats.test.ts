/** The load benchmark's pure bookkeeping (testbed/bench/loadStats.ts): what its figures mean. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  formatRatios,
  formatTable,
  percentile,
  PhaseBook,
  PhaseCounts,
  PhaseRow,
  summarize,
} from "../../../testbed/bench/loadStats";

describe("percentile (nearest rank)", () => {
  test("p50 and p99 of 1..100 are 50 and 99, whatever the order", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
  });

  test("a small sample: p99 is its largest value, p50 the lower middle", () => {
    assert.equal(percentile([30, 10, 20, 40], 50), 20);
    assert.equal(percentile([30, 10, 20, 40], 99), 40);
    assert.equal(percentile([7], 50), 7);
  });

  test("no values: NaN; a p outside (0, 100]: an error", () => {
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile([1], 0), /p must be in \(0, 100\]/);
    assert.throws(() => percentile([1], 101), /p must be in/);
  });

  test("summarize leaves its input unsorted", () => {
    const values = [3, 1, 2];
    assert.deepEqual(summarize(values), { count: 3, p50: 2, p99: 3, max: 3 });
    assert.deepEqual(values, [3, 1, 2]);
  });
});

describe("PhaseBook", () => {
  const room = new Set(["@a", "@b", "@c"]);
  const others = (sender: string) => new Set([...room].filter((u) => u !== sender));

  test("counts only messages sent inside the window, and their deliveries to the room's other members", () => {
    const book = new PhaseBook(1_000, 2_000);
    book.sending("warm", 900, others("@a")); // warm-up: not counted
    book.sent("warm", 950, true);
    book.delivered("warm", "@b", 960);
    book.sending("m1", 1_000, others("@a"));
    book.sent("m1", 1_030, true);
    book.delivered("m1", "@b", 1_010); // seen before the PUT answered: still counted from its start
    book.delivered("m1", "@c", 1_100);
    book.delivered("m1", "@c", 1_200); // the same event again (a retried /sync): once
    book.delivered("m1", "@a", 1_050); // the sender's own echo: not a delivery
    book.sending("late", 2_000, others("@b")); // at the window's end: not counted
    book.sent("late", 2_010, true);
    const r = book.result();
    assert.equal(r.windowMs, 1_000);
    assert.equal(r.sentOk, 1);
    assert.equal(r.send.count, 1);
    assert.equal(r.send.p50, 30);
    assert.equal(r.deliveries, 2);
    assert.equal(r.expectedDeliveries, 2);
    assert.deepEqual([r.delivery.p50, r.delivery.p99], [10, 100]);
  });

  test("a failed send is an error, not a latency, and expects no delivery", () => {
    const book = new PhaseBook(0, 1_000);
    book.sending("x", 10, others("@a"));
    book.sent("x", 500, false);
    book.sending("y", 20, others("@a"));
    book.sent("y", 40, true);
    book.delivered("y", "@b", 60);
    const r = book.result();
    assert.equal(r.sendErrors, 1);
    assert.equal(r.send.count, 1);
    assert.equal(r.expectedDeliveries, 2);
    assert.equal(book.pendingDeliveries(), 1);
    book.delivered("y", "@c", 70);
    assert.equal(book.pendingDeliveries(), 0);
  });

  test("skipped ticks, sync errors and gaps count inside the window only; unknown events are counted apart", () => {
    const book = new PhaseBook(100, 200);
    book.skippedTick(50);
    book.skippedTick(150);
    book.syncError(150);
    book.syncError(250);
    book.gap(199);
    book.delivered("never-sent", "@b", 150);
    const r = book.result();
    assert.deepEqual([r.skipped, r.syncErrors, r.gaps, r.unknownEvents], [1, 1, 1, 1]);
  });

  test("an id sent twice, or answered without being sent, is a bug in the client: it throws", () => {
    const book = new PhaseBook(0, 10);
    book.sending("a", 1, others("@a"));
    assert.throws(() => book.sending("a", 2, others("@a")), /sent twice/);
    assert.throws(() => book.sent("b", 3, true), /never sending/);
  });
});

function row(mode: "single" | "workers", users: number, deliveries: number, p99: number, cpu: number): PhaseRow {
  const latency = { count: 10, p50: p99 / 2, p99, max: p99 };
  const counts: PhaseCounts = {
    windowMs: 10_000,
    sentOk: 50,
    sendErrors: 1,
    skipped: 2,
    deliveries,
    expectedDeliveries: 500,
    syncErrors: 3,
    gaps: 4,
    unknownEvents: 0,
    send: latency,
    delivery: latency,
  };
  return {
    mode,
    users,
    round: 1,
    counts,
    containers: [
      { name: "eqmd_loads_matrix_synapse", cpuPct: cpu, memMib: 200 },
      { name: "eqmd_loads_matrix_postgres", cpuPct: 10, memMib: 50 },
    ],
    clientCpuPct: 20,
    neighbourCpuPct: 3,
  };
}

describe("the printed table and ratios", () => {
  test("a row: rates per second of the window, delivered %, errors, CPU and memory summed and per container", () => {
    const table = formatTable([row("single", 50, 400, 120, 90)], (n) => n.replace("eqmd_loads_matrix_", ""));
    const cells = (table.split("\n")[1] ?? "").split(" | ");
    assert.deepEqual(cells.slice(0, 16), [
      "| single",
      "50",
      "1",
      "5.0",
      "40",
      "80.0",
      "60",
      "120",
      "60",
      "120",
      "1/3/2/4",
      "100",
      "250",
      "20",
      "3",
      "synapse 90/200, postgres 10/50 |",
    ]);
  });

  test("ratios are workers over single per K, averaged over rounds; a K in one mode only has none", () => {
    const rows = [
      row("single", 50, 400, 100, 90),
      row("workers", 50, 300, 200, 170),
      row("single", 50, 600, 100, 110),
      row("workers", 50, 500, 200, 190),
      row("single", 200, 100, 100, 100),
    ];
    const lines = formatRatios(rows).split("\n");
    assert.equal(lines.length, 2, "a header and K=50 only");
    assert.match(lines[0] ?? "", /^\| K \| delivered\/s w\/s \| send p50 w\/s/);
    // delivered: 400/500 = 0.80; p50 and p99: 2.00; CPU (90+10+110+10)/2=110 → (170+10+190+10)/2=190: 1.73.
    assert.equal(lines[1], "| 50 | 0.80 | 2.00 | 2.00 | 2.00 | 2.00 | 1.73 | 1.00 |");
    assert.match(formatRatios([row("single", 50, 1, 1, 1)]), /no K measured in both modes/);
  });
});
