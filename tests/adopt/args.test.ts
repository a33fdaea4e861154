import assert from "node:assert/strict";
import { test } from "node:test";
import { parseArgs } from "../../ops/adopt/args";

test("adopt arguments", () => {
  assert.deepEqual(parseArgs(["--stack", "prod"]), { kind: "run", options: { stack: "prod", yes: false } });
  assert.deepEqual(parseArgs(["--stack=prod", "-y"]), { kind: "run", options: { stack: "prod", yes: true } });
  assert.deepEqual(parseArgs(["-h"]), { kind: "help" });
  assert.match((parseArgs([]) as { message: string }).message, /--stack <name> is required/);
  assert.match((parseArgs(["--stack"]) as { message: string }).message, /needs a value/);
  assert.match((parseArgs(["--stack", "a b"]) as { message: string }).message, /not a stack name/);
  assert.match((parseArgs(["--stack", "p", "--stack", "q"]) as { message: string }).message, /twice/);
  assert.match(
    (parseArgs(["--wipe-media", "--stack", "p"]) as { message: string }).message,
    /unknown option --wipe-media/,
  );
  assert.match((parseArgs(["prod"]) as { message: string }).message, /the stack goes after --stack/);
});
