/**
 * End to end: the real entry (ops/reset/main.ts), the real CLI adapter (cli.ts) and the real
 * child-process runner, with fake `pulumi` and `docker` executables first on PATH.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const FAKE_CLI = path.join(__dirname, "support", "fake-cli.cjs");
const URN = "urn:pulumi:dev::eqmd-matrix::eqmd:matrix:MatrixStack::matrix";

interface Call {
  readonly tool: string;
  readonly argv: string[];
  readonly dockerHost: string | null;
}

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: Call[];
}

let binDir: string;
const scratch: string[] = [];

before(() => {
  binDir = fs.mkdtempSync(path.join(os.tmpdir(), "reset-bin-"));
  for (const tool of ["pulumi", "docker"]) {
    const file = path.join(binDir, tool);
    fs.writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${FAKE_CLI}" ${tool} "$@"\n`, { mode: 0o755 });
  }
});

after(() => {
  for (const d of [binDir, ...scratch]) fs.rmSync(d, { recursive: true, force: true });
});

function reset(args: string[], scenario: Record<string, unknown> = {}): Promise<Outcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reset-cli-"));
  scratch.push(dir);
  fs.writeFileSync(path.join(dir, "scenario.json"), JSON.stringify(scenario));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "ops", "reset", "main.ts"), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env["PATH"] ?? ""}`, FAKE_CLI_DIR: dir },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const callsFile = path.join(dir, "calls.jsonl");
        const calls = fs.existsSync(callsFile)
          ? fs
              .readFileSync(callsFile, "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l) as Call)
          : [];
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, calls });
      },
    );
  });
}

const CONFIG = {
  "eqmd-matrix:eqmdDomain": { value: "localhost", secret: false },
  "eqmd-matrix:dockerHost": { value: "ssh://ops@docker-host", secret: false },
};

const deployed = {
  config: CONFIG,
  outputs: {
    matrixStackUrn: URN,
    mediaVolumeName: "eqmd_matrix_media_store",
    synapseContainerName: "eqmd_matrix_synapse",
    synapseAdminToken: "syt_secret",
  },
  secretOutputs: ["synapseAdminToken"],
  deletes: [
    {
      urn: `urn:pulumi:dev::eqmd-matrix::eqmd:matrix:MatrixStack$docker:index/container:Container::eqmd_matrix_synapse`,
      type: "docker:index/container:Container",
    },
    { urn: URN, type: "eqmd:matrix:MatrixStack" },
  ],
};

const pulumiCalls = (o: Outcome): string[][] => o.calls.filter((c) => c.tool === "pulumi").map((c) => c.argv);

describe("ops/reset/main.ts (fake pulumi and docker CLIs)", () => {
  it("--help prints the usage and exits 0 without calling pulumi", async () => {
    const o = await reset(["--help"]);
    assert.equal(o.code, 0);
    assert.match(o.stdout, /^Usage: npm run reset -- --stack <name> \[--wipe-media\] \[--yes\] \[--backup <dir>\]/);
    assert.deepEqual(o.calls, []);
  });

  it("bad arguments print the usage on stderr and exit 2", async () => {
    for (const args of [[], ["--stack"], ["--stack", "dev", "--force"], ["dev"]]) {
      const o = await reset(args);
      assert.equal(o.code, 2, args.join(" "));
      assert.match(o.stderr, /^reset: /);
      assert.match(o.stderr, /Usage: npm run reset/);
      assert.deepEqual(o.calls, []);
    }
  });

  it("an unknown stack exits 2 with a clear message", async () => {
    const o = await reset(["--stack", "nope", "--yes"], { missingStack: true });
    assert.equal(o.code, 2, o.stderr);
    assert.match(o.stderr, /there is no stack "nope"/);
  });

  it("plans from the state, then runs the targeted destroy, media wipe and up: four pulumi runs, no other", async () => {
    const o = await reset(["--stack", "dev", "--yes", "--wipe-media"], deployed);
    assert.equal(o.code, 0, o.stderr + o.stdout);

    const ops = o.calls.map((c) =>
      c.tool === "docker" ? `docker ${c.argv.join(" ")}` : c.argv[0] === "stack" ? `stack ${c.argv[1]}` : c.argv[0],
    );
    // The config and the state are read side by side (either may log first), then one at a time.
    assert.deepEqual(ops.slice(0, 2).sort(), ["config", "stack export"]);
    assert.deepEqual(ops.slice(2), ["destroy", "docker volume rm eqmd_matrix_media_store", "up"]);
    const [destroy] = pulumiCalls(o).filter((a) => a[0] === "destroy");
    assert.equal(destroy?.[destroy.indexOf("--target") + 1], URN);
    assert.equal(destroy?.filter((a) => a === "--target").length, 1);
    assert.ok(destroy?.includes("--target-dependents") && destroy.includes("--yes"));
    assert.ok(pulumiCalls(o).every((a) => a[a.indexOf("--stack") + 1] === "dev" && a.includes("--non-interactive")));
    assert.match(o.stdout, /Destroy plan, from the state/);
    assert.match(
      o.stdout,
      /docker:index\/container:Container {2}eqmd_matrix_synapse/,
      "the state's resources reach the plan",
    );
    assert.match(o.stdout, /Will be destroyed \(2 resources\)/);
    assert.doesNotMatch(o.stdout + o.stderr, /syt_secret/);
  });

  it("with pending operations in the state it falls back to the engine's destroy preview", async () => {
    const o = await reset(["--stack", "dev", "--yes", "--wipe-media"], {
      ...deployed,
      pendingOperations: [{ resource: { urn: "x" }, type: "creating" }],
    });
    assert.equal(o.code, 0, o.stderr + o.stdout);

    const ops = o.calls.map((c) =>
      c.tool === "docker" ? `docker ${c.argv.join(" ")}` : c.argv[0] === "stack" ? `stack ${c.argv[1]}` : c.argv[0],
    );
    const steps = ops.filter((op) => /^(destroy|up|docker)/.test(op ?? ""));
    assert.deepEqual(steps, ["destroy", "destroy", "docker volume rm eqmd_matrix_media_store", "up"]);

    const [preview, destroy] = pulumiCalls(o).filter((a) => a[0] === "destroy");
    assert.ok(preview?.includes("--preview-only"));
    for (const argv of [preview, destroy]) {
      assert.equal(argv?.[argv.indexOf("--target") + 1], URN);
      assert.equal(argv?.filter((a) => a === "--target").length, 1);
      assert.ok(argv?.includes("--target-dependents"));
      assert.equal(argv?.[argv.indexOf("--stack") + 1], "dev");
    }
    assert.ok(destroy?.includes("--yes") && !destroy.includes("--preview-only"));
    assert.ok(!destroy?.includes("--exclude-protected") && !destroy?.includes("--remove"));

    const up = pulumiCalls(o).find((a) => a[0] === "up");
    assert.ok(up && !up.includes("--target"), "up rebuilds everything");

    assert.equal(o.calls.find((c) => c.tool === "docker")?.dockerHost, "ssh://ops@docker-host");
    assert.match(o.stdout, /docker:index\/container:Container {2}eqmd_matrix_synapse/, "preview events reach the plan");
    assert.match(o.stdout, /Destroying \(fake\): done/);
    assert.match(o.stdout, /Summary \(stack dev\):/);
    assert.doesNotMatch(o.stdout + o.stderr, /syt_secret/);
  });

  it("refuses without a terminal and without --yes (exit 2), destroying nothing", async () => {
    const o = await reset(["--stack", "dev"], deployed);
    assert.equal(o.code, 2, o.stderr);
    assert.match(o.stderr, /--yes/);
    assert.ok(!pulumiCalls(o).some((a) => a[0] === "destroy" && !a.includes("--preview-only")));
    assert.ok(!pulumiCalls(o).some((a) => a[0] === "up"));
  });

  it("refuses a stack whose config forbids resets (exit 2)", async () => {
    const o = await reset(["--stack", "prod", "--yes"], {
      ...deployed,
      config: {
        ...CONFIG,
        "eqmd-matrix:reset": { value: '{"allowed":false}', objectValue: { allowed: false }, secret: false },
      },
    });
    assert.equal(o.code, 2, o.stderr);
    assert.match(o.stderr, /pulumi config set --path reset\.allowed true --stack prod/);
    assert.ok(!pulumiCalls(o).some((a) => a[0] === "destroy" || a[0] === "up"));
  });

  it("a failing destroy exits 1, shows pulumi's error without the whole output dump, and skips up", async () => {
    const o = await reset(["--stack", "dev", "--yes"], { ...deployed, destroyFails: true });
    assert.equal(o.code, 1);
    assert.match(o.stderr, /The destroy failed: error: fake destroy failure/);
    assert.doesNotMatch(o.stderr, /stdout:/);
    assert.ok(!pulumiCalls(o).some((a) => a[0] === "up"));
  });
});
