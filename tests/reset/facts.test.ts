import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
  expectedUrn,
  findMatrixStackUrn,
  isRefused,
  readFacts,
  ResetFacts,
  readPermission,
} from "../../ops/reset/facts";
import { allowedFacts, config, defaultOutputs, URN, world } from "./fakes";

describe("readPermission", () => {
  it("allows by default and when reset.allowed is true", () => {
    assert.deepEqual(readPermission(config({})), { allowed: true });
    assert.deepEqual(readPermission(config({ reset: { allowed: true } })), { allowed: true });
    assert.deepEqual(readPermission(config({ reset: {} })), { allowed: true });
  });

  it("forbids when reset.allowed is false", () => {
    for (const cfg of [
      config({ reset: { allowed: false } }),
      { ...config({}), "eqmd-matrix:reset": { value: '{"allowed":false}' } },
    ]) {
      const p = readPermission(cfg);
      assert.equal(p.allowed, false, JSON.stringify(cfg));
      assert.equal(p.allowed === false && p.reason, "forbidden");
      assert.match(p.allowed === false ? p.detail : "", /eqmd-matrix:reset\.allowed/);
    }
  });

  it("fails closed on values it cannot read (the program's own builder refuses them)", () => {
    for (const cfg of [
      { ...config({}), "eqmd-matrix:reset": { value: "nope" } },
      { ...config({}), "eqmd-matrix:reset": { value: "[false]" } },
      config({ reset: { allowed: "no" } }),
      config({ reset: { allowed: 0 } }),
      // A string is not a boolean, for `pulumi up` as for the reset; nor is a flat dotted key a key.
      config({ reset: { allowed: "false" } }),
      { ...config({}), "eqmd-matrix:reset.allowed": { value: "false" } },
      { ...config({ reset: { allowed: true } }), "eqmd-matrix:reset.allowed": { value: "false" } },
      // Any config `pulumi up` would refuse: here a plaintext password.
      config({ postgresAdminPassword: "in-the-clear" }),
    ]) {
      const p = readPermission(cfg);
      assert.equal(p.allowed === false && p.reason, "unreadable", JSON.stringify(cfg));
    }
  });

  it("ignores other projects' namespaces", () => {
    assert.deepEqual(readPermission({ ...config({}), "other:reset": { value: '{"allowed":false}' } }), {
      allowed: true,
    });
  });
});

describe("factsFrom", () => {
  it("takes the deployed names from the stack outputs and the rest from config", () => {
    const f = allowedFacts(
      "dev",
      config({
        containerPrefix: "ignored",
        database: { name: "d", role: "r" },
        postgres: { host: "db", port: 6543, adminUser: "admin" },
        dockerHost: "tcp://h:2376",
      }),
      defaultOutputs({ mediaVolumeName: "v", synapseContainerName: "s" }),
    );
    assert.equal(f.urn, URN);
    assert.equal(f.urnSource, "outputs");
    assert.equal(f.mediaVolume, "v");
    assert.equal(f.synapseContainer, "s");
    assert.deepEqual(f.database, { name: "d", role: "r" });
    assert.deepEqual(f.postgres, { host: "db", port: 6543, adminUser: "admin", sslmode: "disable" });
    assert.equal(f.dockerHost, "tcp://h:2376");
  });

  it("falls back to config and the program's defaults", () => {
    const f = allowedFacts(
      "dev",
      config(
        {
          containerPrefix: "h2",
          postgres: { mode: "managed", host: "10.0.0.2", port: 5433, adminUser: "pg", sslmode: "require" },
          database: { name: "synapse" },
          dockerHost: "ssh://me@h",
          postgresAdminPassword: "pw",
        },
        ["postgresAdminPassword"],
      ),
      {},
    );
    assert.equal(f.urn, undefined);
    assert.equal(f.mediaVolume, "h2_matrix_media_store");
    assert.equal(f.synapseContainer, "h2_matrix_synapse");
    assert.equal(f.managedPostgresContainer, "h2_matrix_postgres");
    assert.deepEqual(f.database, { name: "synapse", role: "matrix_user" });
    assert.deepEqual(f.postgres, { host: "10.0.0.2", port: 5433, adminUser: "pg", sslmode: "require", password: "pw" });
    assert.equal(f.dockerHost, "ssh://me@h");
    assert.equal(f.mediaRetainedOnDelete, true);

    const d = allowedFacts("dev", config({}), {});
    assert.equal(d.mediaVolume, "eqmd_matrix_media_store");
    assert.deepEqual(d.postgres, { host: "127.0.0.1", port: 5432, adminUser: "eqmd_user", sslmode: "disable" });
    assert.equal(d.dockerHost, undefined);
    assert.equal(d.managedPostgresContainer, undefined);
  });

  it("takes the admin password from config first, else from a secret output", () => {
    const out = { ...defaultOutputs(), postgresAdminPassword: { value: "generated", secret: true } };
    assert.equal(allowedFacts("dev", config({}), out).postgres.password, "generated");
    assert.equal(
      allowedFacts("dev", config({ postgresAdminPassword: "configured" }, ["postgresAdminPassword"]), out).postgres
        .password,
      "configured",
    );
    assert.equal(allowedFacts("dev", config({}), defaultOutputs()).postgres.password, undefined);
  });

  it("no dockerHost in config means the local Docker", () => {
    assert.equal(allowedFacts("dev", config({}), defaultOutputs()).dockerHost, undefined);
  });

  it("reads media.retainOnDelete", () => {
    assert.equal(allowedFacts("dev", config({ media: { retainOnDelete: false } }), {}).mediaRetainedOnDelete, false);
  });
});

/** readFacts for a stack the reset accepts. */
async function readAllowed(stack: Parameters<typeof readFacts>[0]): Promise<ResetFacts> {
  const facts = await readFacts(stack);
  assert.ok(!isRefused(facts), "expected the reset to accept the stack");
  return facts;
}

describe("the MatrixStack URN", () => {
  it("is found in an exported deployment by its type token", () => {
    assert.equal(
      findMatrixStackUrn({
        resources: [
          { urn: "urn:pulumi:dev::eqmd-matrix::pulumi:pulumi:Stack::eqmd-matrix-dev", type: "pulumi:pulumi:Stack" },
          { urn: `${URN}$docker:index/container:Container::x`, type: "docker:index/container:Container" },
          { urn: URN, type: "eqmd:matrix:MatrixStack" },
        ],
      }),
      URN,
    );
    assert.equal(findMatrixStackUrn({ resources: [] }), undefined);
    assert.equal(findMatrixStackUrn(undefined), undefined);
  });

  it("readFacts asks the state only when the outputs lack the URN", async () => {
    const withOutputs = world({ deployment: { resources: [] } });
    assert.equal((await readAllowed(withOutputs.stack)).urn, URN);
    assert.ok(!withOutputs.stack.methods().includes("exportStack"));

    const fromState = world({
      outputs: {},
      deployment: { resources: [{ urn: URN, type: "eqmd:matrix:MatrixStack" }] },
    });
    const f = await readAllowed(fromState.stack);
    assert.equal(f.urn, URN);
    assert.equal(f.urnSource, "state");
  });

  it("expectedUrn matches the program's naming", () => {
    assert.equal(expectedUrn("dev"), URN);
  });
});

describe("lenient about the shape of config and output entries", () => {
  it("accepts bare strings and already-parsed values", () => {
    const cfg = {
      "eqmd-matrix:eqmdDomain": "localhost",
      "eqmd-matrix:reset": { value: { allowed: true } },
      "eqmd-matrix:containerPrefix": "h3",
    } as unknown as Record<string, { value: string }>;
    const f = allowedFacts("dev", cfg, { matrixStackUrn: URN } as unknown as Record<
      string,
      { value: unknown; secret: boolean }
    >);
    assert.equal(f.permission.allowed, true);
    assert.equal(f.mediaVolume, "h3_matrix_media_store");
    assert.equal(f.urn, URN);
    const forbidden = { ...cfg, "eqmd-matrix:reset": { value: { allowed: false } } } as unknown as Record<
      string,
      { value: string }
    >;
    assert.equal(readPermission(forbidden).allowed, false);
  });
});
