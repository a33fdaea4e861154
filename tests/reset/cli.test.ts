import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { CliRun, cliStack, ProgramClient, PulumiRunner, selectCliStack } from "../../ops/reset/cli";

/** A runner that holds every command until released, recording which ones have started. */
function heldRunner(replies: Record<string, CliRun>) {
  const started: string[] = [];
  const argv: (readonly string[])[] = [];
  const waiting: (() => void)[] = [];
  const run: PulumiRunner = (args) => {
    const key = args.slice(0, 2).join(" ");
    started.push(key);
    argv.push(args);
    return new Promise((resolve) => waiting.push(() => resolve(replies[key] ?? { code: 1, stdout: "", stderr: "?" })));
  };
  const releaseAll = () => waiting.splice(0).forEach((go) => go());
  return { run, started, argv, releaseAll };
}

/** A program client recording what the stack did with it. */
function recordingProgram(events: string[]): () => ProgramClient {
  return () => {
    events.push("program");
    return {
      address: () => {
        events.push("address");
        return Promise.resolve("127.0.0.1:4242");
      },
      close: () => events.push("close"),
    };
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("the reset's CLI stack", () => {
  it("exports the state beside reading the config, not after it, and reads it once", async () => {
    const r = heldRunner({
      "config --show-secrets": { code: 0, stdout: "{}", stderr: "" },
      "stack export": { code: 0, stdout: JSON.stringify({ deployment: { resources: [] } }), stderr: "" },
    });
    const selecting = selectCliStack("dev", r.run);
    await settle();
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
    await settle();
    r.releaseAll();
    await assert.rejects(selecting, /no stack named 'nope' found/);
  });

  it("loads the program once the destroy has started, not before", async () => {
    const events: string[] = [];
    const r = heldRunner({ "destroy --yes": { code: 0, stdout: "", stderr: "" } });
    const stack = cliStack("dev", r.run, recordingProgram(events));
    assert.deepEqual(events, [], "selecting the stack loads nothing");
    const destroying = stack.destroy({ target: ["urn:x"], targetDependents: true });
    await settle();
    assert.deepEqual(r.started, ["destroy --yes"]);
    assert.deepEqual(events, ["program"], "loaded while the destroy runs");
    r.releaseAll();
    await destroying;
  });

  it("points the up at the served program and stops serving it when the up ends, even on failure", async () => {
    const events: string[] = [];
    const r = heldRunner({ "up --yes": { code: 255, stdout: "", stderr: "error: boom" } });
    const stack = cliStack("dev", r.run, recordingProgram(events));
    const up = stack.up({});
    await settle();
    assert.ok(r.argv[0]?.includes("--client=127.0.0.1:4242"), `argv: ${r.argv[0]?.join(" ")}`);
    r.releaseAll();
    await assert.rejects(up, /boom/);
    assert.deepEqual(events, ["program", "address", "close"]);
  });

  it("without a program, the up runs the CLI's own language host (no --client)", async () => {
    const r = heldRunner({ "up --yes": { code: 0, stdout: "", stderr: "" } });
    const up = cliStack("dev", r.run).up({});
    await settle();
    r.releaseAll();
    await up;
    assert.ok(!r.argv[0]?.some((a) => a.startsWith("--client")), `argv: ${r.argv[0]?.join(" ")}`);
  });
});
