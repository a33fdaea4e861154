import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { parseCommandLine } from "../../ops/backup/cli";
import { parseTarget } from "../../ops/restore/checks";
import { rebuildTargets } from "../../ops/restore/targets";
import { fakeDeployment } from "./support";

const restoreSpec = { values: ["from"], flags: ["yes"], required: ["from"] };

describe("restore and backup command lines", () => {
  it("takes --stack, --from and --yes/-y, in either spelling", () => {
    const r = parseCommandLine(["--stack", "dev", "--from=/b/dev-1", "-y"], restoreSpec);
    assert.ok(r.kind === "run");
    assert.equal(r.stack, "dev");
    assert.equal(r.values["from"], "/b/dev-1");
    assert.ok(r.flags.has("yes"));
  });

  it("refuses what it cannot read with the reason", () => {
    const msg = (argv: string[]) => {
      const r = parseCommandLine(argv, restoreSpec);
      return r.kind === "error" ? r.message : r.kind;
    };
    assert.match(msg(["--stack", "dev"]), /--from <dir> is required/);
    assert.match(msg(["--from", "/b"]), /--stack <name> is required/);
    assert.match(msg(["--stack", "dev", "--from", "/b", "--wipe"]), /Unknown option '--wipe'/);
    assert.match(msg(["--stack", "a b", "--from", "/b"]), /is not a stack name/);
    assert.match(msg(["--stack", "dev", "--from", "--yes"]), /Option '--from' argument is ambiguous/);
    assert.match(msg(["--stack", "dev", "--from="]), /--from needs a value/);
    assert.equal(parseCommandLine(["-h"], restoreSpec).kind, "help");
  });
});

describe("restore helpers", () => {
  it("parseTarget reads what the image prints", () => {
    assert.deepEqual(parseTarget("1.99.0 83\n"), { version: "1.99.0", schemaVersion: 83 });
    assert.equal(parseTarget("Traceback …"), undefined);
  });

  it("rebuildTargets: resources inside the admin, verification, hooks and .env components only", () => {
    const d = fakeDeployment();
    assert.deepEqual(rebuildTargets({ resources: d.resources }), d.rerun);
    assert.deepEqual(rebuildTargets(undefined), []);
  });
});
