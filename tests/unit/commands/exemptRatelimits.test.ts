import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { scriptCommand, type ExemptRatelimitsInput } from "../../../components/commands/pythonScripts";
import { scriptStdin } from "../../support/pythonScripts";
import { FakeSynapse } from "./support/fakeSynapse";
import { runShell } from "./support/run";

const LINE = scriptCommand("exempt_ratelimits", { command: [] });
const ADMIN = "@admin:matrix.test.local";
const BOT = "@rzero_bot:matrix.test.local";

describe("exempt_ratelimits.py against a fake Synapse", () => {
  let syn: FakeSynapse;
  let adminToken: string;
  let botToken: string;
  beforeEach(async () => {
    syn = new FakeSynapse();
    await syn.start();
    syn.addUser(ADMIN, { admin: true });
    syn.addUser(BOT);
    adminToken = syn.issueToken(ADMIN, { device: "A" });
    botToken = syn.issueToken(BOT, { device: "B" });
  });
  afterEach(async () => syn.stop());

  const input = (over: Partial<ExemptRatelimitsInput> = {}): ExemptRatelimitsInput => ({
    base_url: syn.baseUrl,
    admin_token: adminToken,
    tokens: [adminToken, botToken],
    deadline_seconds: 5,
    ...over,
  });
  const run = (inp: ExemptRatelimitsInput | Record<string, unknown>) =>
    runShell(LINE, { stdin: scriptStdin("exempt_ratelimits", inp) });

  it("exempts the admin and the bot (found by whoami), reads the overrides back, prints ids only", async () => {
    const r = await run(input());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { exempt: [ADMIN, BOT] });
    for (const user of [ADMIN, BOT]) {
      assert.deepEqual(syn.rateLimitOverrides.get(user), { messages_per_second: 0, burst_count: 0 });
    }
    assert.match(r.stderr, /rate limits: @admin:matrix\.test\.local exempted\n/);
    for (const token of [adminToken, botToken]) assert.ok(!(r.stdout + r.stderr).includes(token));
  });

  it("is idempotent: a second run changes nothing (no POST)", async () => {
    assert.equal((await run(input())).code, 0);
    const posts = syn.count("POST", "/_synapse/admin/v1/users/");
    const again = await run(input());
    assert.equal(again.code, 0, again.stderr);
    assert.equal(syn.count("POST", "/_synapse/admin/v1/users/"), posts);
    assert.match(again.stderr, /@rzero_bot:matrix\.test\.local already exempt/);
  });

  it("fails with a plain line when a token is not accepted, or the admin token is not an admin's", async () => {
    const stale = await run(input({ tokens: [adminToken, "syt_stale"] }));
    assert.equal(stale.code, 1);
    assert.match(
      stale.stderr,
      /rate-limit exemption failed: a token to exempt is not accepted by Synapse \(whoami answered HTTP 401 M_UNKNOWN_TOKEN/,
    );
    assert.ok(!stale.stderr.includes("syt_stale"));
    const notAdmin = await run(input({ admin_token: botToken }));
    assert.equal(notAdmin.code, 1);
    assert.match(notAdmin.stderr, /answered HTTP 403 M_FORBIDDEN .*the admin token must belong to a server admin/);
  });

  it("rejects bad stdin", async () => {
    const r = await run({ base_url: syn.baseUrl, admin_token: adminToken, tokens: [""], deadline_seconds: 5 });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "rate-limit exemption failed: stdin JSON 'tokens' must be a list of non-empty strings\n");
  });
});
