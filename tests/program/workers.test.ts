/**
 * Synapse's worker mode under mocks (dev with synapse.workers and synapse.metrics): what is
 * declared inside MatrixStack (so a reset rebuilds it), where the secrets go, who publishes
 * which port, and the order (Redis → main → workers → router → verification).
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProgramRun, RecordedResource, runProgram } from "../support/programHarness";

const CONTAINER = "docker:index/container:Container";
const WORKERS = ["sync1", "sync2", "client1", "media1", "background1", "events1"];

let run: ProgramRun;
before(() => {
  run = runProgram("Pulumi.dev.yaml", {
    overrides: {
      "eqmd-matrix:synapse": {
        passwordLogin: true,
        workers: { sync: 2, client: 1, media: true, background: true, eventPersisters: 1 },
        metrics: { port: "127.0.0.1:19090" },
      },
    },
  });
});

const named = (name: string): RecordedResource => {
  const found = run.all(CONTAINER).find((c) => c.inputs["name"] === name);
  assert.ok(found, `no container ${name}`);
  return found;
};
const uploads = (r: RecordedResource) => (r.inputs["uploads"] as { file: string; content: string }[]) ?? [];
const ports = (r: RecordedResource) => (r.inputs["ports"] as { external: number; ip: string }[]) ?? [];
const ancestors = (r: RecordedResource): string[] => {
  const parent = run.resources.find((x) => x.urn === r.parent);
  return parent ? [parent.type, ...ancestors(parent)] : [];
};

describe("synapse.workers under mocks", () => {
  test("Redis, one container per worker and the router, all inside MatrixStack", () => {
    for (const name of ["eqmd_matrix_redis", "eqmd_matrix_router", ...WORKERS.map((w) => `eqmd_matrix_synapse_${w}`)]) {
      assert.ok(ancestors(named(name)).includes("eqmd:matrix:MatrixStack"), `${name} is inside MatrixStack`);
    }
  });

  test("every long-running container of the mode is hardened, supervised and healthchecked", () => {
    // The main process too: a worker must not start before it has migrated the schema.
    const all = [
      "eqmd_matrix_synapse",
      "eqmd_matrix_redis",
      "eqmd_matrix_router",
      ...WORKERS.map((w) => `eqmd_matrix_synapse_${w}`),
    ];
    for (const name of all) {
      const c = named(name).inputs;
      assert.equal(c["readOnly"], true, name);
      assert.equal(c["user"], "1001:1001", name);
      assert.deepEqual(c["capabilities"], { drops: ["ALL"] }, name);
      assert.equal(c["restart"], "unless-stopped", name);
      assert.equal(c["wait"], true, `${name} is waited for until healthy`);
      assert.equal(named(name).options.deleteBeforeReplace, true, `${name}: a fixed name, replaced delete-first`);
      assert.ok((c["healthcheck"] as { tests: string[] }).tests.length > 1, name);
    }
  });

  test("the router takes Synapse's port and alias; main and workers publish metrics only, on loopback", () => {
    const router = named("eqmd_matrix_router");
    assert.deepEqual(ports(router), [{ internal: 8008, external: 8008, ip: "127.0.0.1", protocol: "tcp" }]);
    assert.deepEqual((router.inputs["networksAdvanced"] as { aliases: string[] }[])[0].aliases, ["matrix-synapse"]);
    const main = named("eqmd_matrix_synapse");
    assert.deepEqual(ports(main), [{ internal: 9000, external: 19090, ip: "127.0.0.1", protocol: "tcp" }]);
    assert.deepEqual((main.inputs["networksAdvanced"] as { aliases: string[] }[])[0].aliases, ["eqmd-matrix-synapse"]);
    WORKERS.forEach((w, i) => {
      assert.deepEqual(ports(named(`eqmd_matrix_synapse_${w}`)), [
        { internal: 9000, external: 19091 + i, ip: "127.0.0.1", protocol: "tcp" },
      ]);
    });
    assert.deepEqual(ports(named("eqmd_matrix_redis")), []);
  });

  test("the shared secrets stay in the secret uploads, never in the readable files", () => {
    const secretsJob = named("eqmd_matrix_secrets_init");
    const secretsYaml = uploads(secretsJob).find((u) => u.file === "/data/secrets/secrets.yaml")!.content;
    const replication = /worker_replication_secret: (\S+)/.exec(secretsYaml)?.[1];
    const password = uploads(secretsJob)
      .find((u) => u.file === "/data/secrets/redis_password")!
      .content.trim();
    assert.ok(replication && replication.length > 8 && password.length > 8);
    assert.ok(
      secretsJob.secretPaths.some((p) => p.startsWith("uploads")),
      "the secrets job's uploads are secret",
    );
    const redisJob = named("eqmd_matrix_redis_secrets_init");
    assert.match(uploads(redisJob)[0].content, new RegExp(`requirepass ${password}`));
    assert.ok(
      redisJob.secretPaths.some((p) => p.startsWith("uploads")),
      "redis.conf is a secret upload",
    );
    for (const r of run.resources) {
      const readable = JSON.stringify(
        Object.fromEntries(
          Object.entries(r.inputs).filter(([k]) => !r.secretPaths.some((p) => p.split(/[.[]/)[0] === k)),
        ),
      );
      for (const value of [replication, password])
        assert.ok(!readable.includes(value), `${r.name} holds a secret in a readable input`);
    }
    const homeserver = uploads(named("eqmd_matrix_config_init")).find(
      (u) => u.file === "/data/config/homeserver.yaml",
    )!;
    assert.match(homeserver.content, /password_path: \/data\/secrets\/redis_password/);
    assert.match(homeserver.content, /stream_writers:\n {2}events:\n {4}- events1/);
  });

  test("order: Redis before main, main before the workers, the workers before the router, the router before verification", () => {
    // The recorder expands a component in dependsOn to its custom resources.
    const waitsFor = (name: string) =>
      run.resources.find((r) => r.name === name)!.options.dependsOn.map((u) => u.split("::").pop());
    assert.ok(waitsFor("matrix-synapse-container").includes("matrix-redis-container"), "main waits for Redis");
    for (const w of WORKERS) {
      assert.ok(waitsFor(`matrix-workers-${w}`).includes("matrix-synapse-container"), `${w} waits for main`);
      assert.ok(waitsFor("matrix-router-container").includes(`matrix-workers-${w}`), `the router waits for ${w}`);
    }
    assert.ok(waitsFor("matrix-verification-worker-routes").includes("matrix-router-container"));
  });
});
