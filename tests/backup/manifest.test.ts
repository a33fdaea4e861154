import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkBackup, MANIFEST_FILE, parseManifest } from "../../ops/backup/manifest";
import { takeBackup } from "../../ops/backup/run";
import { allowedFacts, config, defaultOutputs, world } from "../reset/fakes";

/** The error text parseManifest returned (fails the test on a manifest). */
function problem(result: ReturnType<typeof parseManifest>): string {
  assert.equal(typeof result, "string", "expected a refusal");
  return result as string;
}

describe("the manifest check a restore starts with", () => {
  let to: string;
  let dir: string;
  before(async () => {
    to = fs.mkdtempSync(path.join(os.tmpdir(), "backup-manifest-"));
    const facts = allowedFacts("dev", config({}), defaultOutputs());
    const r = await takeBackup(
      world().deps,
      facts,
      { to, program: { name: "p", version: "1" }, progressIntervalMs: 0 },
      () => {},
    );
    assert.ok(r.ok);
    dir = r.dir;
  });
  after(() => fs.rmSync(to, { recursive: true, force: true }));

  /** A copy of the backup, changed by `edit`. */
  function copy(edit: (d: string) => void): string {
    const d = fs.mkdtempSync(path.join(to, "copy-"));
    fs.cpSync(dir, d, { recursive: true });
    edit(d);
    return d;
  }

  it("a complete backup passes", async () => {
    assert.equal((await checkBackup(dir)).ok, true);
  });

  it("a truncated archive is named, with both sizes", async () => {
    const d = copy((d) => fs.truncateSync(path.join(d, "media.tar"), 3));
    const r = await checkBackup(d);
    assert.ok(!r.ok);
    assert.match(r.problems.join("\n"), /^media\.tar: 3 bytes, the manifest says \d+ \(truncated\)$/);
  });

  it("a file of the right size with other bytes fails its sha256", async () => {
    const d = copy((d) => {
      const f = path.join(d, "database.dump");
      const bytes = fs.readFileSync(f);
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
      fs.writeFileSync(f, bytes);
    });
    const r = await checkBackup(d);
    assert.ok(!r.ok);
    assert.match(r.problems.join("\n"), /^database\.dump: sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}$/);
  });

  it("a missing file, a missing manifest and an unfinished backup are named", async () => {
    const gone = await checkBackup(copy((d) => fs.rmSync(path.join(d, "signing.key"))));
    assert.ok(!gone.ok && /^signing\.key: missing/.test(gone.problems.join("\n")));
    const partial = `${path.join(to, "dev-x")}.partial`;
    fs.mkdirSync(partial);
    const never = await checkBackup(path.join(to, "dev-x"));
    assert.ok(!never.ok && /\.partial exists: that backup never finished/.test(never.problems.join("\n")));
  });

  it("parseManifest refuses other formats and file names that leave the folder", () => {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), "utf8")) as Record<string, unknown>;
    assert.match(problem(parseManifest(JSON.stringify({ ...m, format: "other/9" }))), /format is "other\/9"/);
    const files = m["files"] as Record<string, Record<string, unknown>>;
    const evil = { ...m, files: { ...files, media: { ...files["media"], name: "../../etc/passwd" } } };
    assert.match(problem(parseManifest(JSON.stringify(evil))), /plain file name/);
    assert.match(problem(parseManifest("{")), /not JSON/);
  });
});
