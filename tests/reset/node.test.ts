import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCommand } from "../../ops/reset/node";

const node = process.execPath;

describe("runCommand (real child processes)", () => {
  it("adds env to the inherited environment and captures output and exit code", async () => {
    const r = await runCommand({
      argv: [
        node,
        "-e",
        "process.stdout.write(process.env.PGPASSWORD + '|' + (process.env.PATH ? 'path' : '')); process.stderr.write('warn'); process.exit(3)",
      ],
      env: { PGPASSWORD: "pw" },
    });
    assert.deepEqual(r, { exitCode: 3, stdout: "pw|path", stderr: "warn" });
  });

  it("writes stdout to a file when asked (binary-safe)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reset-node-"));
    try {
      const file = path.join(dir, "out.tar");
      const r = await runCommand({
        argv: [node, "-e", "process.stdout.write(Buffer.from([0, 255, 1, 254]))"],
        stdoutFile: file,
      });
      assert.equal(r.exitCode, 0);
      assert.equal(r.stdout, "");
      assert.deepEqual([...fs.readFileSync(file)], [0, 255, 1, 254]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a missing program as exit code 127", async () => {
    const r = await runCommand({ argv: ["definitely-not-a-program-7c1f"] });
    assert.equal(r.exitCode, 127);
    assert.match(r.stderr, /ENOENT/);
  });

  it("reports an unwritable stdout file without running anything", async () => {
    const r = await runCommand({ argv: [node, "-e", ""], stdoutFile: "/nonexistent-dir-7c1f/x.tar" });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /cannot write/);
  });

  it("feeds stdinFile to the command's stdin", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reset-node-"));
    try {
      const input = path.join(dir, "in.txt");
      fs.writeFileSync(input, "from the file");
      const r = await runCommand({ argv: [node, "-e", "process.stdin.pipe(process.stdout)"], stdinFile: input });
      assert.deepEqual(r, { exitCode: 0, stdout: "from the file", stderr: "" });
      const missing = await runCommand({ argv: [node, "-e", ""], stdinFile: path.join(dir, "none") });
      assert.equal(missing.exitCode, 1);
      assert.match(missing.stderr, /cannot read .*none/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
