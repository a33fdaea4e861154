import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { parseArgs, USAGE } from "../../ops/reset/args";

describe("parseArgs", () => {
  it("reads every option, in any order and in both spellings", () => {
    assert.deepEqual(parseArgs(["--stack", "dev"]), {
      kind: "run",
      options: { stack: "dev", wipeMedia: false, yes: false },
    });
    assert.deepEqual(parseArgs(["--yes", "--wipe-media", "--backup", "/b", "--stack=staging"]), {
      kind: "run",
      options: { stack: "staging", wipeMedia: true, yes: true, backupDir: "/b" },
    });
    assert.deepEqual(parseArgs(["-y", "--stack", "org/eqmd-matrix/dev", "--backup=./bk"]), {
      kind: "run",
      options: { stack: "org/eqmd-matrix/dev", wipeMedia: false, yes: true, backupDir: "./bk" },
    });
  });

  it("--help / -h asks for the usage", () => {
    assert.deepEqual(parseArgs(["--help"]), { kind: "help" });
    assert.deepEqual(parseArgs(["--bogus", "-h"]).kind, "error", "the first bad argument is reported first");
    assert.deepEqual(parseArgs(["--stack", "dev", "-h"]), { kind: "help" });
  });

  const errors: Array<[string[], RegExp]> = [
    [[], /--stack <name> is required/],
    [["--yes"], /--stack <name> is required/],
    [["--stack"], /--stack needs a value/],
    [["--stack", "--yes"], /--stack needs a value/],
    [["--stack="], /non-empty/],
    [["--stack", "dev", "--backup"], /--backup needs a value: --backup <dir>/],
    [["--stack", "dev", "--force"], /unknown option --force/],
    [["--stack", "dev", "--target=x"], /unknown option --target/],
    [["--stack", "dev", "prod"], /unexpected argument "prod"/],
    [["--stack", "dev", "--stack", "prod"], /--stack is given twice/],
    [["--stack", "dev", "-y", "--yes"], /--yes is given twice/],
    [["--stack", "dev", "--yes=no"], /--yes takes no value/],
    [["--stack", "dev; rm -rf /"], /is not a stack name/],
  ];
  for (const [argv, message] of errors) {
    it(`rejects ${JSON.stringify(argv)}`, () => {
      const r = parseArgs(argv);
      assert.equal(r.kind, "error");
      assert.match(r.kind === "error" ? r.message : "", message);
    });
  }

  it("the usage names every option and the exit codes", () => {
    for (const word of [
      "--stack <name>",
      "--wipe-media",
      "--yes",
      "--backup <dir>",
      "--help",
      "Exit codes: 0",
      "1 aborted",
      "2 bad arguments",
    ]) {
      assert.ok(USAGE.includes(word), word);
    }
  });
});
