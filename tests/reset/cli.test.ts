import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { CliRun, PulumiRunner, selectCliStack } from "../../ops/reset/cli";

/** A runner that holds every command until released, recording which ones have started. */
function heldRunner(replies: Record<string, CliRun>) {
  const started: string[] = [];
  const waiting: (() => void)[] = [];
  const run: PulumiRunner = (args) => {
    const key = args.slice(0, 2).join(" ");
    started.push(key);
    return new Promise((resolve) => waiting.push(() => resolve(replies[key] ?? { code: 1, stdout: "", stderr: "?" })));
  };
  const releaseAll = () => waiting.splice(0).forEach((go) => go());
  return { run, started, releaseAll };
}

describe("the reset's CLI stack", () => {
  it("exports the state beside reading the config, not after it, and reads it once", async () => {
    const r = heldRunner({
      "config --show-secrets": { code: 0, stdout: "{}", stderr: "" },
      "stack export": { code: 0, stdout: JSON.stringify({ deployment: { resources: [] } }), stderr: "" },
    });
    const selecting = selectCliStack("dev", r.run);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(r.started.sort(), ["config --show-secrets", "stack export"]);
    r.releaseAll();
    const stack = await selecting;
    assert.deepEqual(await stack.outputs(), {});
    assert.equal(r.started.filter((k) => k === "stack export").length, 1, "the state is exported once");
  });

  it("reports the config's error when the stack does not exist, not the export's", async () => {
    const missing = { code: 255, stdout: "", stderr: "error: no stack named 'nope' found" };
    const r = heldRunner({ "config --show-secrets": missing, "stack export": { ...missing, stderr: "export failed" } });
    const selecting = selectCliStack("nope", r.run);
    await new Promise((resolve) => setImmediate(resolve));
    r.releaseAll();
    await assert.rejects(selecting, /no stack named 'nope' found/);
  });
});
