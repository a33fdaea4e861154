/**
 * The rate-limit exemption under Pulumi mocks: declared after the hooks (eqmd's bot exists then),
 * the admin's and the bot's tokens on stdin only, and `synapse.rateLimitExempt: false` turns it off.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runProgram } from "../support/programHarness";

const COMMAND = "command:local:Command";
const SECRETS = { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" };
const BOT_TOKEN = "syt_cnplcm9fYm90_MOCKbot_0000";
const SETUP_BOT = "matrix-after-reset-0-setup_matrix_bot";

describe("rate-limit exemption", () => {
  test("declared after the hooks, in Synapse's exec target, with the admin and bot tokens on stdin only", () => {
    const run = runProgram("Pulumi.prod.yaml", {
      secrets: SECRETS,
      commandStdout: { [SETUP_BOT]: `✓ Matrix bot user ready\nMATRIX_BOT_ACCESS_TOKEN=${BOT_TOKEN}\n` },
    });
    const step = run.one(COMMAND, "-rate-limits-override");
    const create = String(step.inputs["create"]);
    assert.match(
      create,
      /^docker exec -i eqmd_matrix_synapse python3 -c '.* # exempt_ratelimits\.py sha256:[0-9a-f]{12}'$/,
    );
    assert.ok(create.length < 300 && !create.includes(BOT_TOKEN));
    const stdin = JSON.parse(String(step.inputs["stdin"])) as { input: { tokens: string[]; admin_token: string } };
    assert.equal(stdin.input.tokens.length, 2);
    assert.equal(stdin.input.tokens[0], stdin.input.admin_token);
    assert.equal(stdin.input.tokens[1], BOT_TOKEN, "the bot's token, captured from setup_matrix_bot");
    const hooks = run.all(COMMAND).filter((c) => c.name.startsWith("matrix-after-reset-"));
    assert.ok(hooks.length >= 2);
    for (const hook of hooks) assert.ok(step.options.dependsOn.includes(hook.urn), `after ${hook.name}`);
  });

  test("synapse.rateLimitExempt: false declares no exemption", () => {
    const run = runProgram("Pulumi.prod.yaml", {
      secrets: SECRETS,
      overrides: { "eqmd-matrix:synapse": { ...prodSynapse(), rateLimitExempt: false } },
    });
    assert.equal(run.all(COMMAND).filter((c) => c.name.includes("rate-limits")).length, 0);
  });
});

function prodSynapse(): Record<string, unknown> {
  return { port: "127.0.0.1:8008", passwordLogin: false, fileLog: { keep: 3 } };
}
