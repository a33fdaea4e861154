/** eqmd's warning lines found and masked, and ops/hook-run.ts failing a hook marked failOnWarnings. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describeWarnings, findWarnings, maskSecrets } from "../../../components/commands/hookWarnings";
import { REPO_ROOT } from "../../support/settings";
import { runArgv, tempDir } from "./support/run";

/** What eqmd's matrix_provision_rooms prints after a reset that kept the room rows (colours on). */
const STALE_RUN = [
  "Global room exists: !old:matrix.yourhospital.com",
  "Active users: 3",
  "\u001b[33;1mMatrix localpart missing for dave@h.org. Using fallback @u_1b2c:matrix.yourhospital.com\u001b[0m",
  "\u001b[33;1mDM room skipped for @bob:matrix.yourhospital.com: POST http://matrix-synapse:8008/_matrix/client/v3/createRoom failed: 429 {}\u001b[0m",
  'Invite skipped for @alice:matrix.yourhospital.com: POST http://matrix-synapse:8008/_matrix/client/v3/rooms/%21old/invite failed: 403 {"errcode":"M_FORBIDDEN"}\r',
  "\u001b[32;1m✓ Matrix provisioning complete\u001b[0m",
].join("\n");

describe("findWarnings: eqmd's warning lines", () => {
  test("finds each of eqmd's markers, without colour codes or \\r, in order", () => {
    assert.deepEqual(findWarnings(STALE_RUN), [
      "Matrix localpart missing for dave@h.org. Using fallback @u_1b2c:matrix.yourhospital.com",
      "DM room skipped for @bob:matrix.yourhospital.com: POST http://matrix-synapse:8008/_matrix/client/v3/createRoom failed: 429 {}",
      'Invite skipped for @alice:matrix.yourhospital.com: POST http://matrix-synapse:8008/_matrix/client/v3/rooms/%21old/invite failed: 403 {"errcode":"M_FORBIDDEN"}',
    ]);
    assert.deepEqual(findWarnings("Deactivate failed: POST … 404\n  Kick failed for @c:x: 403"), [
      "Deactivate failed: POST … 404",
      "Kick failed for @c:x: 403",
    ]);
  });

  test("ordinary progress lines are not warnings", () => {
    assert.deepEqual(findWarnings("Invited @a:x to global room\nCreated global room: !n:x\nDeactivated @b:x\n"), []);
  });

  test("masks known secrets and anything token-shaped", () => {
    const line = maskSecrets(
      'Invite skipped for @a:x: failed: 401 {"access_token": "abc", "error": "s3cr3t-admin-value"} Bearer xyz syt_YWxpY2U_abc_1 MATRIX_BOT_ACCESS_TOKEN=q',
      ["s3cr3t-admin-value", "short"],
    );
    assert.equal(
      line,
      'Invite skipped for @a:x: failed: 401 {"access_token": "(masked)", "error": "(masked)"} Bearer (masked) syt_(masked) MATRIX_BOT_ACCESS_TOKEN=(masked)',
    );
    assert.equal(maskSecrets("a short word", ["short"]), "a short word", "values under 8 characters are not matched");
  });

  test("describeWarnings says what ran and that it still exited 0", () => {
    assert.equal(
      describeWarnings("manage.py matrix_provision_rooms", ["Invite skipped for @a:x: 403"]),
      "manage.py matrix_provision_rooms reported 1 warning(s) on its last run, although it exited 0:\n  Invite skipped for @a:x: 403",
    );
  });
});

describe("ops/hook-run.ts (failOnWarnings)", () => {
  const hookRun = (args: string[], env: Record<string, string> = {}) =>
    runArgv([process.execPath, "--import", "tsx", path.join(REPO_ROOT, "ops", "hook-run.ts"), ...args], {
      cwd: REPO_ROOT,
      env,
    });
  /** A fake manage.py: prints the file given, exits with the status given. */
  const fake = (stdout: string, status = 0) => {
    const dir = tempDir("hook-run");
    const file = path.join(dir, "out.txt");
    fs.writeFileSync(file, stdout);
    return ["/bin/sh", "-c", `cat "$1"; echo 'its own stderr' >&2; exit ${status}`, "sh", file];
  };

  test("no warnings: the command's stdout, exit 0", async () => {
    const r = await hookRun(["--what", "manage.py x", "--", ...fake("MATRIX_BOT_ACCESS_TOKEN=syt_a_b_c\nok\n")]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "MATRIX_BOT_ACCESS_TOKEN=syt_a_b_c\nok\n");
    assert.match(r.stderr, /its own stderr/);
  });

  test("warnings: exit 3, masked lines on stderr, stdout withheld", async () => {
    const secret = "admin-token-value-123";
    const out = `${STALE_RUN}\nInvite skipped for @z:x: 401 ${secret}\nMATRIX_BOT_ACCESS_TOKEN=syt_bot_x_y\n`;
    const r = await hookRun(
      ["--what", "manage.py matrix_provision_rooms", "--mask-env", "SYNAPSE_ADMIN_TOKEN", "--", ...fake(out)],
      { SYNAPSE_ADMIN_TOKEN: secret },
    );
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "", "stdout is withheld (pulumi-command would put it into the error)");
    assert.match(
      r.stderr,
      /manage\.py matrix_provision_rooms exited 0 but printed 4 warning\(s\), and the hook is marked failOnWarnings/,
    );
    assert.match(r.stderr, /^ {2}Invite skipped for @alice:matrix\.yourhospital\.com: /m);
    assert.match(r.stderr, /^ {2}Invite skipped for @z:x: 401 \(masked\)$/m);
    assert.ok(!r.stderr.includes(secret), "the admin token never reaches stderr");
    assert.ok(!r.stderr.includes("syt_bot"), "nor the bot token");
  });

  test("a failed command: its status, stdout withheld", async () => {
    const r = await hookRun(["--what", "manage.py x", "--", ...fake("SECRET_LINE=1\n", 5)]);
    assert.equal(r.code, 5);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /manage\.py x failed \(exit 5\); its standard output is withheld/);
  });

  test("bad usage: exit 2", async () => {
    assert.equal((await hookRun(["--what", "x"])).code, 2);
    assert.equal((await hookRun(["--nope", "x", "--", "true"])).code, 2);
  });
});
