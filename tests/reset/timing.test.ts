import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { formatDuration, formatSummary, PhaseTimer } from "../../ops/reset/timing";

describe("timing", () => {
  it("formats durations", () => {
    assert.equal(formatDuration(850), "850ms");
    assert.equal(formatDuration(12_345), "12.3s");
    assert.equal(formatDuration(125_000), "2m 05.0s");
    assert.equal(formatDuration(3_600_000), "60m 00.0s");
  });

  it("times phases with the injected clock and records failures", async () => {
    let t = 0;
    const timer = new PhaseTimer(() => new Date(t));
    await timer.time("plan", () => {
      t += 2000;
      return Promise.resolve();
    });
    await assert.rejects(
      timer.time("destroy", () => {
        t += 500;
        return Promise.reject(new Error("boom"));
      }),
      /boom/,
    );
    timer.skip("wipe", "media kept");
    assert.deepEqual(timer.get("plan"), { status: "done", ms: 2000 });
    assert.deepEqual(timer.get("destroy"), { status: "failed", ms: 500 });
    assert.deepEqual(timer.get("up"), { status: "not run" });
    const text = formatSummary(timer, "dev", "failed in destroy");
    assert.equal(
      text,
      [
        "Summary (stack dev):",
        "  plan     2.0s",
        "  confirm  not run",
        "  backup   not run",
        "  destroy  500ms  FAILED",
        "  wipe     skipped (media kept)",
        "  up       not run",
        "  total    2.5s",
        "Result: failed in destroy",
        "",
      ].join("\n"),
    );
  });
});
