import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { figuresOf, parseEvents, startRatio } from "../e2e/support/matrixWatch";

describe("matrixWatch: a reset's figures from docker events and /health polls", () => {
  it("parses `{{.Action}} {{.TimeNano}}` lines into ms", () => {
    assert.deepEqual(parseEvents("kill 1000000000123456789\nstart 1000000002000000000\n\n"), [
      { action: "kill", at: 1000000000123 },
      { action: "start", at: 1000000002000 },
    ]);
  });

  it("one start: own start from the start event, downtime from the first stop", () => {
    const events = [
      { action: "kill", at: 1000 },
      { action: "die", at: 1400 },
      { action: "stop", at: 1410 },
      { action: "start", at: 5000 },
    ];
    // 200s from the old Synapse before the stop, then from the new one.
    const f = figuresOf(events, [900, 950, 7100, 7150]);
    assert.equal(f.starts, 1);
    assert.equal(f.ownStartMs, 2100);
    assert.equal(f.downtimeMs, 6100);
    assert.equal(startRatio(10_500, f), (10_500 - 2100) / 2100);
  });

  it("a restart (the hand procedure's): own start is the first, downtime ends after the last", () => {
    const events = [
      { action: "kill", at: 0 },
      { action: "start", at: 1000 },
      { action: "kill", at: 3500 },
      { action: "die", at: 3600 },
      { action: "start", at: 3700 },
    ];
    const f = figuresOf(events, [3000, 3100, 5900]);
    assert.equal(f.starts, 2);
    assert.equal(f.ownStartMs, 2000);
    assert.equal(f.lastStartMs, 2200);
    assert.equal(f.downtimeMs, 5900);
  });

  it("no 200 after the start: no own start, no downtime, no ratio", () => {
    const f = figuresOf([{ action: "start", at: 10 }], [5]);
    assert.equal(f.ownStartMs, undefined);
    assert.equal(f.downtimeMs, undefined);
    assert.equal(startRatio(100, f), undefined);
  });
});
