import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { firstTarFile } from "../../ops/backup/tarEntry";
import { oneFileTar } from "../support/tar";

describe("firstTarFile", () => {
  it("reads the one file of a tar stream written by the real tar", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tar-entry-"));
    try {
      fs.writeFileSync(path.join(dir, "signing.key"), "ed25519 a_x c2VlZA\n");
      const tar = execFileSync("tar", ["-c", "-C", dir, "signing.key"]);
      assert.equal(firstTarFile(tar).toString(), "ed25519 a_x c2VlZA\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads the fakes' archive the same way, and refuses streams without a whole file", () => {
    const tar = oneFileTar("signing.key", "ed25519 a_y AAAA\n");
    assert.equal(firstTarFile(tar).toString(), "ed25519 a_y AAAA\n");
    assert.throws(() => firstTarFile(tar.subarray(0, 520)), /ends inside its file/);
    assert.throws(() => firstTarFile(Buffer.alloc(1024)), /no regular file/);
  });
});
