import { test } from "node:test";
import assert from "node:assert/strict";
import { goDuration } from "../../../components/duration";

test("durations are spelled as Go's time.Duration.String() prints them", () => {
  // Expected strings are what Go prints for these durations (time.Duration(n * time.Second)).
  const cases: [number, string][] = [
    [0, "0s"],
    [5, "5s"],
    [59, "59s"],
    [60, "1m0s"],
    [90, "1m30s"],
    [300, "5m0s"],
    [3599, "59m59s"],
    [3600, "1h0m0s"],
    [5400, "1h30m0s"],
  ];
  for (const [seconds, expected] of cases) assert.equal(goDuration(seconds), expected, `${seconds}s`);
});

test("fractions and negatives are refused", () => {
  assert.throws(() => goDuration(1.5), /whole seconds/);
  assert.throws(() => goDuration(-1), /whole seconds/);
});
