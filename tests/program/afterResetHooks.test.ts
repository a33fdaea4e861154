/**
 * The after-reset hooks under Pulumi mocks: opt-in hooks, the program's clearStaleRooms step,
 * failOnWarnings, and eqmd's warning lines surfaced (masked) from a hook's real output.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runProgram } from "../support/programHarness";
import { mockSecret } from "../support/mockState";

const COMMAND = "command:local:Command";
const SECRETS = { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" };

/** The prod example with every hook switched on. */
const ALL_ON = {
  "eqmd-matrix:afterReset": [
    { command: ["setup_matrix_bot"], capture: ["MATRIX_BOT_ACCESS_TOKEN"] },
    { builtin: "clearStaleRooms" },
    { command: ["matrix_provision_rooms"], failOnWarnings: true },
    { command: ["matrix_sync_lifecycle"] },
  ],
};

const hooksOf = (run: ReturnType<typeof runProgram>) =>
  run.all(COMMAND).filter((c) => c.name.startsWith("matrix-after-reset-"));

describe("after-reset hooks", () => {
  test("a switched-on hook keeps its config index, so no other hook is renamed (replaced)", () => {
    const run = runProgram("Pulumi.prod.yaml", { secrets: SECRETS, overrides: ALL_ON });
    const hooks = hooksOf(run);
    assert.deepEqual(
      hooks.map((h) => h.name),
      [
        "matrix-after-reset-0-setup_matrix_bot",
        "matrix-after-reset-1-clearStaleRooms",
        "matrix-after-reset-2-checkLocalparts",
        "matrix-after-reset-2-matrix_provision_rooms",
        "matrix-after-reset-3-checkLocalparts",
        "matrix-after-reset-3-matrix_sync_lifecycle",
      ],
    );
    for (let i = 1; i < hooks.length; i++) {
      assert.ok(hooks[i].options.dependsOn.includes(hooks[i - 1].urn), `${hooks[i].name} runs after the one before`);
    }
  });

  test("clearStaleRooms runs the program's code in eqmd's Django: a short manage.py shell -c line, the code on stdin", () => {
    const clear = runProgram("Pulumi.prod.yaml", { secrets: SECRETS }).one(COMMAND, "-after-reset-1-clearStaleRooms");
    const create = String(clear.inputs["create"]);
    assert.match(
      create,
      /docker exec -i -e MATRIX_BOT_ACCESS_TOKEN -e SYNAPSE_ADMIN_TOKEN eqmd_app python manage\.py shell -c 'import sys;exec\(sys\.stdin\.read\(\),\{"__name__":"__main__"\}\) # clear_stale_rooms\.py sha256:[0-9a-f]{12}'\)/,
    );
    assert.ok(create.length < 600, `${create.length} characters`);
    assert.doesNotMatch(create, /models as _rooms|MatrixGlobalRoom|urlopen/, "the source is not on the command line");
    const stdin = String(clear.inputs["stdin"]);
    assert.match(stdin, /from apps\.matrix_integration import models as _rooms/);
    assert.match(stdin, /_synapse\/admin\/v1\/rooms\//);
    assert.doesNotMatch(create + stdin, /MOCKSECRET/);
  });

  test("checkLocalparts: on by default before each enabled provisioning hook, off with checkLocalparts: false", () => {
    const on = hooksOf(runProgram("Pulumi.prod.yaml", { secrets: SECRETS, overrides: ALL_ON }));
    const byName = (suffix: string) => {
      const found = on.find((h) => h.name === `matrix-after-reset-${suffix}`);
      assert.ok(found, suffix);
      return found;
    };
    const check = byName("2-checkLocalparts");
    const provision = byName("2-matrix_provision_rooms");
    assert.ok(check.options.dependsOn.includes(byName("1-clearStaleRooms").urn), "after clearStaleRooms");
    assert.ok(provision.options.dependsOn.includes(check.urn), "eqmd's provisioning waits for the check");
    const create = String(check.inputs["create"]);
    assert.match(
      create,
      /python manage\.py shell -c 'import sys;exec\(.*\) # check_localparts\.py sha256:[0-9a-f]{12}'/,
    );
    assert.match(String(check.inputs["stdin"]), /matrix_localpart/);
    assert.deepEqual(
      check.inputs["triggers"],
      [provision.inputs["create"]],
      "reruns whenever the hook it guards changes",
    );
    // Prod as shipped (provisioning off) declares no check; the hooks keep their names.
    const shipped = hooksOf(runProgram("Pulumi.prod.yaml", { secrets: SECRETS })).map((h) => h.name);
    assert.deepEqual(shipped, ["matrix-after-reset-0-setup_matrix_bot", "matrix-after-reset-1-clearStaleRooms"]);
    const off = ALL_ON["eqmd-matrix:afterReset"].map((h, i) => (i === 2 ? { ...h, checkLocalparts: false } : h));
    const names = hooksOf(
      runProgram("Pulumi.prod.yaml", { secrets: SECRETS, overrides: { "eqmd-matrix:afterReset": off } }),
    ).map((h) => h.name);
    assert.ok(
      !names.includes("matrix-after-reset-2-checkLocalparts") && names.includes("matrix-after-reset-3-checkLocalparts"),
    );
  });

  test("failOnWarnings: the hook runs through ops/hook-run.ts, which masks the variables it passes", () => {
    const run = runProgram("Pulumi.prod.yaml", { secrets: SECRETS, overrides: ALL_ON });
    const provision = run.one(COMMAND, "-after-reset-2-matrix_provision_rooms");
    assert.equal(
      provision.inputs["create"],
      "node --import tsx ops/hook-run.ts --what 'manage.py matrix_provision_rooms' " +
        "--mask-env MATRIX_BOT_ACCESS_TOKEN,SYNAPSE_ADMIN_TOKEN -- docker exec -i " +
        "-e MATRIX_BOT_ACCESS_TOKEN -e SYNAPSE_ADMIN_TOKEN eqmd_app python manage.py matrix_provision_rooms",
    );
    // Without the mark the command line is the plain one (unchanged for existing stacks).
    const lifecycle = run.one(COMMAND, "-after-reset-3-matrix_sync_lifecycle");
    assert.doesNotMatch(String(lifecycle.inputs["create"]), /hook-run/);
    assert.match(String(lifecycle.inputs["create"]), /out=\$\(docker exec -i .* matrix_sync_lifecycle\)/);
  });

  test("eqmd's warning lines of a hook's last run are a plain stack output, masked", () => {
    const adminToken = mockSecret("admin-token");
    const stdout = [
      "Global room exists: !gone:matrix.yourhospital.com",
      "Active users: 2",
      "\u001b[33mMatrix localpart missing for dave. Using fallback @u_6f1c:matrix.yourhospital.com\u001b[0m",
      `Invite skipped for @alice:matrix.yourhospital.com: POST http://matrix-synapse:8008/_matrix/client/v3/rooms/%21gone/invite failed: 403 {"errcode":"M_FORBIDDEN","error":"token ${adminToken} syt_Ym90_abcdef_123"}\r`,
      "✓ Matrix provisioning complete",
    ].join("\n");
    const run = runProgram("Pulumi.prod.yaml", {
      secrets: SECRETS,
      overrides: { "eqmd-matrix:afterReset": [{ command: ["matrix_provision_rooms"] }] },
      commandStdout: { "matrix-after-reset-0-matrix_provision_rooms": stdout },
    });
    const output = run.outputs["afterResetWarnings"];
    assert.equal(output?.secret, false, "masked lines are readable with `pulumi stack output`");
    assert.deepEqual(output?.value, [
      "manage.py matrix_provision_rooms: Matrix localpart missing for dave. Using fallback @u_6f1c:matrix.yourhospital.com",
      "manage.py matrix_provision_rooms: Invite skipped for @alice:matrix.yourhospital.com: POST http://matrix-synapse:8008/_matrix/client/v3/rooms/%21gone/invite failed: 403 " +
        '{"errcode":"M_FORBIDDEN","error":"token (masked) syt_(masked)"}',
    ]);
  });

  test("no warnings: an empty list; the prod example's hooks print none under mocks", () => {
    const run = runProgram("Pulumi.prod.yaml", { secrets: SECRETS });
    assert.deepEqual(run.outputs["afterResetWarnings"]?.value, []);
  });
});
