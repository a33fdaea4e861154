/**
 * The whole program under Pulumi mocks, for the dev and prod stacks: the resource tree, names,
 * options, dependencies and which values are secret. Each evaluation runs in a child process
 * (tests/support/recordProgram.ts).
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProgramRun, RecordedResource, runProgram } from "../support/programHarness";
import { goDuration } from "../../components/duration";

const T = {
  container: "docker:index/container:Container",
  volume: "docker:index/volume:Volume",
  image: "docker:index/remoteImage:RemoteImage",
  network: "docker:index/network:Network",
  database: "postgresql:index/database:Database",
  role: "postgresql:index/role:Role",
  command: "command:local:Command",
  password: "random:index/randomPassword:RandomPassword",
  bytes: "random:index/randomBytes:RandomBytes",
  matrixStack: "eqmd:matrix:MatrixStack",
} as const;

let prod: ProgramRun;
let dev: ProgramRun;

before(() => {
  prod = runProgram("Pulumi.prod.yaml", { secrets: { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" } });
  dev = runProgram("Pulumi.dev.yaml");
});

const containerNamed = (run: ProgramRun, name: string) => {
  const found = run.all(T.container).find((c) => c.inputs["name"] === name);
  assert.ok(found, `no container named ${name}`);
  return found;
};
/** Follows parent links (the mock monitor's URNs carry only the last parent type). */
let ancestry: (r: RecordedResource, run: ProgramRun) => string[] = () => [];
ancestry = (r, run) => {
  const parent = run.resources.find((x) => x.urn === r.parent);
  return parent ? [parent.type, ...ancestry(parent, run)] : [];
};
const inMatrixStackOf = (run: ProgramRun) => (r: RecordedResource) => ancestry(r, run).includes(T.matrixStack);
const get = (obj: unknown, at: string): unknown =>
  at
    .split(/\.|\[(\d+)\]/)
    .filter(Boolean)
    .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

describe("resource tree", () => {
  test("one MatrixStack, top level, with every Matrix resource below it", () => {
    for (const run of [prod, dev]) {
      const stack = run.one(T.matrixStack);
      assert.equal(stack.name, "matrix");
      // Top level: parented to the root stack (absent under mocks, which have no root stack).
      assert.match(stack.parent ?? "", /^$|::pulumi:pulumi:Stack::/, "MatrixStack is a top-level resource");
      const children = run.resources
        .filter((r) => r.parent === stack.urn)
        .map((r) => r.type)
        .sort();
      const expected = [
        "eqmd:matrix:AfterResetHooks",
        "eqmd:matrix:RateLimitExemption",
        "eqmd:matrix:ElementWeb",
        "eqmd:matrix:Synapse",
        "eqmd:matrix:SynapseAdmin",
        "eqmd:matrix:SynapseDatabase",
        "eqmd:matrix:SynapseSecrets",
        "eqmd:matrix:Verification",
      ];
      if (run === prod) expected.push("eqmd:matrix:EnvFileSync", "eqmd:matrix:OidcClient");
      assert.deepEqual(children, expected.sort());
    }
  });

  test("Synapse, Element, database, role, secrets and commands all live inside MatrixStack", () => {
    for (const run of [prod, dev]) {
      const inMatrixStack = inMatrixStackOf(run);
      for (const r of [
        ...run.all(T.database),
        ...run.all(T.role),
        ...run.all(T.command),
        ...run.all(T.password).filter((p) => !p.name.startsWith("dev-")),
      ]) {
        assert.ok(inMatrixStack(r), `${r.type} ${r.name} is outside MatrixStack`);
      }
      assert.ok(inMatrixStack(containerNamed(run, "eqmd_matrix_synapse")));
      assert.ok(inMatrixStack(containerNamed(run, "eqmd_element_web")));
    }
  });

  test("dev runs its own PostgreSQL outside MatrixStack; prod uses eqmd's", () => {
    const pg = containerNamed(dev, "eqmd_matrix_postgres");
    assert.ok(!inMatrixStackOf(dev)(pg), "the dev PostgreSQL must survive a reset");
    assert.equal(
      prod.all(T.container).some((c) => c.inputs["name"] === "eqmd_matrix_postgres"),
      false,
    );
  });

  test("the shared network is created only when asked (dev), outside MatrixStack", () => {
    const net = dev.one(T.network);
    assert.equal(net.inputs["name"], "eqmd_net");
    assert.ok(!inMatrixStackOf(dev)(net));
    assert.equal(prod.all(T.network).length, 0);
  });

  test("components are parented children, never orphans (MatrixStack and MatrixAssets are the top level)", () => {
    const topLevel: string[] = [T.matrixStack, "eqmd:matrix:MatrixAssets"];
    for (const r of prod.resources.filter((x) => x.type.startsWith("eqmd:matrix:") && !topLevel.includes(x.type))) {
      assert.ok(inMatrixStackOf(prod)(r), `${r.name} has parent ${r.parent}`);
    }
  });
});

describe("names", () => {
  test("eqmd's container and volume names", () => {
    for (const run of [prod, dev]) {
      containerNamed(run, "eqmd_matrix_synapse");
      containerNamed(run, "eqmd_element_web");
      assert.equal(run.one(T.volume, "-media").inputs["name"], "eqmd_matrix_media_store");
    }
  });

  test("every named kind of resource has an explicit name (no auto-naming suffix)", () => {
    for (const run of [prod, dev]) {
      for (const r of [
        ...run.all(T.container),
        ...run.all(T.volume),
        ...run.all(T.network),
        ...run.all(T.database),
        ...run.all(T.role),
      ]) {
        assert.equal(typeof r.inputs["name"], "string", `${r.type} ${r.name} has no explicit name`);
      }
    }
  });

  test("database and role are eqmd's matrix_db / matrix_user", () => {
    assert.equal(prod.one(T.database).inputs["name"], "matrix_db");
    assert.equal(prod.one(T.role).inputs["name"], "matrix_user");
  });
});

describe("database", () => {
  test("UTF8, C/C, template0, owned by the role Synapse connects as", () => {
    for (const run of [prod, dev]) {
      const db = run.one(T.database).inputs;
      assert.equal(db["encoding"], "UTF8");
      assert.equal(db["lcCollate"], "C");
      assert.equal(db["lcCtype"], "C");
      assert.equal(db["template"], "template0");
      assert.equal(db["owner"], run.one(T.role).inputs["name"]);
      assert.equal(run.one(T.role).inputs["login"], true);
    }
  });
});

describe("options", () => {
  test("database and role are replaced delete-first (fixed names)", () => {
    assert.equal(prod.one(T.database).options.deleteBeforeReplace, true);
    assert.equal(prod.one(T.role).options.deleteBeforeReplace, true);
  });

  test("media volume retainOnDelete follows config (prod and dev keep it, so a reset keeps media)", () => {
    assert.equal(prod.one(T.volume, "-media").options.retainOnDelete, true);
    assert.equal(dev.one(T.volume, "-media").options.retainOnDelete, true);
  });

  test("nothing is protected (a protected resource would make the reset's destroy fail)", () => {
    for (const run of [prod, dev]) for (const r of run.resources) assert.equal(r.options.protect, false, r.name);
  });

  test("long-running containers: replaced on healthcheck change, restart unless-stopped, health seen before the next step", () => {
    for (const c of [
      containerNamed(prod, "eqmd_matrix_synapse"),
      containerNamed(prod, "eqmd_element_web"),
      containerNamed(dev, "eqmd_matrix_postgres"),
    ]) {
      assert.deepEqual(c.options.replaceOnChanges, ["healthcheck"]);
      // A fixed name: the engine's own replacement (this healthcheck rule) must delete first.
      assert.equal(c.options.deleteBeforeReplace, true, String(c.inputs["name"]));
      assert.equal(c.inputs["restart"], "unless-stopped");
      assert.ok(((get(c.inputs, "healthcheck.tests") as string[]) ?? []).length > 0);
    }
    assert.equal(containerNamed(prod, "eqmd_element_web").inputs["wait"], true);
    const synapse = containerNamed(prod, "eqmd_matrix_synapse");
    // Without workers the engine does not wait for Docker's probe: the admin bootstrap and the
    // verification, which depend on the container, poll Synapse themselves (every 100 ms).
    assert.equal(synapse.inputs["wait"], false);
    const admin = prod.resources.find((r) => r.name === "matrix-admin-bootstrap");
    const verification = prod.resources.find((r) => r.name === "matrix-verification-check");
    for (const step of [admin, verification]) assert.ok(step?.options.dependsOn.includes(synapse.urn), step?.name);
    assert.deepEqual(get(synapse.inputs, "healthcheck.tests"), ["CMD", "curl", "-fSs", "http://localhost:8008/health"]);
    assert.equal(synapse.inputs["destroyGraceSeconds"], 30);
  });

  test("Synapse and Element get eqmd's hardening: non-root, no capability, read-only root, tmpfs /tmp, init", () => {
    for (const run of [prod, dev]) {
      for (const [name, user] of [
        ["eqmd_matrix_synapse", "1001:1001"],
        ["eqmd_element_web", "101:101"],
      ] as const) {
        const c = containerNamed(run, name);
        assert.equal(c.inputs["user"], user, `${name} user`);
        assert.deepEqual(get(c.inputs, "capabilities.drops"), ["ALL"], `${name} drops every capability`);
        assert.equal(get(c.inputs, "capabilities.adds"), undefined, `${name} adds none`);
        assert.deepEqual(c.inputs["securityOpts"], ["no-new-privileges:true"]);
        assert.equal(c.inputs["readOnly"], true, `${name} read-only root`);
        assert.equal(c.inputs["init"], true);
        const [uid, gid] = user.split(":");
        assert.equal(get(c.inputs, "tmpfs./tmp"), `rw,noexec,nosuid,uid=${uid},gid=${gid}`);
      }
      assert.deepEqual(Object.keys(get(containerNamed(run, "eqmd_element_web").inputs, "tmpfs") as object).sort(), [
        "/tmp",
        "/var/cache/nginx",
        "/var/run",
      ]);
    }
  });

  test("every long-running container has a bounded json-file log; memory limits only when set", () => {
    for (const run of [prod, dev]) {
      for (const c of run.all(T.container).filter((x) => x.inputs["restart"] === "unless-stopped")) {
        assert.equal(c.inputs["logDriver"], "json-file", String(c.inputs["name"]));
        assert.deepEqual(c.inputs["logOpts"], { "max-size": "10m", "max-file": "5" }, String(c.inputs["name"]));
        assert.equal(c.inputs["memory"], undefined, `${String(c.inputs["name"])}: no memory limit by default`);
        assert.equal(c.inputs["memorySwap"], undefined, String(c.inputs["name"]));
      }
    }
    const limited = runProgram("Pulumi.dev.yaml", {
      overrides: {
        "eqmd-matrix:synapse": { passwordLogin: true, memoryMb: 2048 },
        "eqmd-matrix:element": { memoryMb: 128 },
        "eqmd-matrix:containerLogs": { maxSize: "50m", maxFiles: 2 },
      },
    });
    assert.equal(containerNamed(limited, "eqmd_matrix_synapse").inputs["memory"], 2048);
    assert.equal(containerNamed(limited, "eqmd_element_web").inputs["memory"], 128);
    // Docker's own default for a new container, stated so that an in-place change of the limit
    // is accepted (the engine refuses a memory update without the swap beside it).
    assert.equal(containerNamed(limited, "eqmd_matrix_synapse").inputs["memorySwap"], 4096);
    assert.equal(containerNamed(limited, "eqmd_element_web").inputs["memorySwap"], 256);
    assert.deepEqual(containerNamed(limited, "eqmd_element_web").inputs["logOpts"], {
      "max-size": "50m",
      "max-file": "2",
    });
  });

  test("capabilities are spelled as Docker reads them back (else refresh drifts and up replaces)", () => {
    // Seen on the real engine: "SETUID" read back as "CAP_SETUID" made refresh report drift.
    for (const run of [prod, dev]) {
      for (const c of run.all(T.container)) {
        for (const key of ["capabilities.adds", "capabilities.drops"]) {
          for (const cap of (get(c.inputs, key) as string[] | undefined) ?? []) {
            assert.match(cap, /^(ALL|CAP_[A-Z_]+)$/, `${String(c.inputs["name"])} ${key}: ${cap}`);
          }
        }
      }
    }
  });

  test("no container both sets `user` and uploads files with an owner (Docker looks that user up on the host)", () => {
    // Seen on the real engine (moby#34142): a `user:` beside owned uploads fails the create.
    for (const run of [prod, dev]) {
      for (const c of run.all(T.container)) {
        const uploads = (c.inputs["uploads"] as { owner?: string; group?: string }[] | undefined) ?? [];
        if (uploads.some((u) => u.owner !== undefined || u.group !== undefined)) {
          // Even "0:0" is looked up (seen: getent unable to find entry "0:0" in passwd database).
          assert.equal(c.inputs["user"], undefined, `${String(c.inputs["name"])} sets user beside owned uploads`);
        }
      }
    }
  });

  test("healthcheck durations are spelled as the engine reads them back (else every up replaces)", () => {
    for (const run of [prod, dev]) {
      for (const c of run.all(T.container).filter((x) => x.inputs["healthcheck"])) {
        for (const key of ["interval", "timeout", "startPeriod"]) {
          const value = String(get(c.inputs, `healthcheck.${key}`));
          const seconds = [...value.matchAll(/(\d+)([hms])/g)].reduce(
            (t, [, n, u]) => t + Number(n) * { h: 3600, m: 60, s: 1 }[u as "h" | "m" | "s"],
            0,
          );
          assert.equal(value, goDuration(seconds), `${String(c.inputs["name"])} healthcheck.${key}`);
        }
      }
    }
  });

  test("a new Synapse database replaces Synapse and re-registers the admin", () => {
    const db = prod.one(T.database);
    assert.deepEqual(containerNamed(prod, "eqmd_matrix_synapse").options.replaceWith, [db.urn]);
    assert.deepEqual(prod.one(T.command, "-admin-bootstrap").options.replaceWith, [db.urn]);
  });

  test("fixed-name volumes and the network are replaced delete-first", () => {
    for (const v of dev.all(T.volume)) assert.equal(v.options.deleteBeforeReplace, true, v.name);
    assert.equal(dev.one(T.network).options.deleteBeforeReplace, true);
  });

  test("images are kept locally so a reset does not re-download them", () => {
    for (const img of prod.all(T.image)) assert.equal(img.inputs["keepLocally"], true, img.name);
  });

  test("ports are published on loopback as eqmd does", () => {
    assert.deepEqual(get(containerNamed(prod, "eqmd_matrix_synapse").inputs, "ports"), [
      { internal: 8008, external: 8008, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    assert.deepEqual(get(containerNamed(prod, "eqmd_element_web").inputs, "ports"), [
      { internal: 80, external: 8080, ip: "127.0.0.1", protocol: "tcp" },
    ]);
  });
});

describe("dependencies and order", () => {
  const named = (run: ProgramRun, name: string) => {
    const r = run.resources.find((x) => x.name === name);
    assert.ok(r, `no resource named ${name}`);
    return r;
  };
  const waitsFor = (r: RecordedResource, dep: RecordedResource) => r.options.dependsOn.includes(dep.urn);

  test("Synapse starts after its database and after the OIDC client exists", () => {
    const synapse = containerNamed(prod, "eqmd_matrix_synapse");
    assert.ok(waitsFor(synapse, named(prod, "matrix-oidc-client-setup")), "Synapse must wait for the OIDC client");
    assert.ok(waitsFor(synapse, named(prod, "matrix-database-database")), "Synapse must wait for its database");
    assert.ok(waitsFor(synapse, named(prod, "matrix-database-role")), "Synapse must wait for its role");
  });

  test("admin after Synapse; verification after admin; hooks in order after verification; .env last", () => {
    const synapse = containerNamed(prod, "eqmd_matrix_synapse");
    const admin = named(prod, "matrix-admin-bootstrap");
    assert.ok(waitsFor(admin, synapse), "admin waits for a healthy Synapse");
    const verify = named(prod, "matrix-verification-check");
    assert.ok(waitsFor(verify, admin) && waitsFor(verify, synapse));
    const hooks = prod.all(T.command).filter((c) => c.name.includes("-after-reset-"));
    // The prod example leaves the two hooks that create accounts for every user off (opt-in).
    assert.deepEqual(
      hooks.map((h) => h.name),
      ["matrix-after-reset-0-setup_matrix_bot", "matrix-after-reset-1-clearStaleRooms"],
    );
    assert.ok(waitsFor(hooks[0], verify), "hooks wait for verification");
    assert.ok(waitsFor(hooks[1], hooks[0]), "hooks run in order");
    const env = named(prod, "matrix-env-file-write");
    for (const h of hooks) assert.ok(waitsFor(env, h), ".env is written after every hook");
  });

  test("Element starts beside Synapse, not after it (eqmd's compose has no depends_on between them)", () => {
    const element = containerNamed(prod, "eqmd_element_web");
    const synapseSide = prod.resources.filter((r) => r.name.startsWith("matrix-synapse") || r.name.includes("-admin"));
    for (const r of synapseSide) assert.ok(!waitsFor(element, r), `Element must not wait for ${r.name}`);
  });

  test("the dev PostgreSQL is healthy before the provider connects", () => {
    const provider = dev.resources.find((r) => r.type === "pulumi:providers:postgresql");
    assert.ok(provider);
    assert.ok(provider.options.dependsOn.some((u) => u.endsWith("::dev-postgres-container")));
  });
});

describe("secrets", () => {
  test("no generated or configured secret appears in any non-secret input", () => {
    for (const run of [prod, dev]) {
      for (const r of run.resources) {
        const plain = JSON.stringify(stripSecretPaths(r));
        assert.doesNotMatch(plain, /MOCKSECRET/, `${r.type} ${r.name} leaks a secret in a non-secret input`);
      }
    }
  });

  test("no container's uploads mix secret and readable files (the engine masks the whole property)", () => {
    for (const run of [prod, dev]) {
      for (const c of run.all(T.container)) {
        const uploads = (c.inputs["uploads"] as unknown[] | undefined) ?? [];
        const secret = uploads.filter((_, i) => isSecretAt(c, `uploads[${i}]`));
        assert.ok(
          secret.length === 0 || secret.length === uploads.length,
          `${String(c.inputs["name"])}: ${secret.length} of ${uploads.length} uploads are secret`,
        );
      }
    }
  });

  test("Synapse's files: readable ones on the config volume, secrets on their own, each written by a job", () => {
    const synapse = containerNamed(prod, "eqmd_matrix_synapse");
    assert.equal(synapse.inputs["uploads"], undefined, "Synapse itself receives no upload");
    const config = containerNamed(prod, "eqmd_matrix_config_init");
    const secrets = containerNamed(prod, "eqmd_matrix_secrets_init");
    const files = (c: RecordedResource) =>
      c.inputs["uploads"] as { file: string; permissions: string; owner: string }[];
    assert.deepEqual(
      files(config).map((u) => u.file),
      ["/data/config/homeserver.yaml", "/data/config/log_config.yaml"],
    );
    assert.deepEqual(
      files(secrets)
        .map((u) => u.file)
        .sort(),
      [
        "/data/secrets/oidc_client_secret",
        "/data/secrets/pgpass",
        "/data/secrets/secrets.yaml",
        "/data/secrets/signing.key",
      ],
    );
    files(config).forEach((u, i) => {
      assert.equal(isSecretAt(config, `uploads[${i}]`), false, `${u.file} must stay readable in preview`);
      assert.equal(u.permissions, "0444");
      assert.equal(u.owner, "1001");
    });
    files(secrets).forEach((u, i) => {
      assert.ok(isSecretAt(secrets, `uploads[${i}]`), `${u.file} must be secret`);
      assert.equal(u.permissions, "0400");
      assert.equal(u.owner, "1001");
    });
    // Mounted read-only where Synapse reads them; the jobs' ids restart Synapse on a rewrite.
    const volumes = synapse.inputs["volumes"] as { containerPath: string; readOnly?: boolean }[];
    assert.deepEqual(
      volumes.filter((v) => v.readOnly).map((v) => v.containerPath),
      ["/data/config", "/data/secrets"],
    );
    const labels = (synapse.inputs["labels"] as { label: string }[]).map((l) => l.label);
    assert.ok(labels.includes("eqmd.matrix/config-job") && labels.includes("eqmd.matrix/credentials-job"));
    for (const job of [config, secrets]) assert.ok(synapse.options.dependsOn.includes(job.urn));
  });

  test(".env sync: relative script, no absolute dir, recreate only after a change", () => {
    const write = prod.one(T.command, "-env-file-write");
    assert.equal(write.inputs["dir"], undefined, "an absolute dir would differ per checkout and re-run the command");
    assert.equal(
      write.inputs["create"],
      "node --import tsx ops/env-upsert.ts /opt/eqmd/.env -- docker compose -f /opt/eqmd/docker-compose.deploy.yml up -d --force-recreate --no-deps eqmd",
    );
  });

  test("docker exec commands talk to the stack's Docker engine (dockerHost)", () => {
    const remote = runProgram("Pulumi.prod.yaml", {
      secrets: { "eqmd-matrix:postgresAdminPassword": "MOCKSECRET-pg-admin" },
      overrides: { "eqmd-matrix:dockerHost": "ssh://deploy@eqmd-host" },
    });
    for (const c of remote.all(T.command)) {
      assert.equal(
        (c.inputs["environment"] as Record<string, string>)["DOCKER_HOST"],
        "ssh://deploy@eqmd-host",
        c.name,
      );
    }
    assert.equal(remote.one("pulumi:providers:docker").inputs["host"], "ssh://deploy@eqmd-host");
  });

  test("commands that see secrets log nothing and have secret outputs; secrets travel on stdin/env", () => {
    for (const c of prod.all(T.command)) {
      assert.equal(c.inputs["logging"], "none", c.name);
      assert.deepEqual(c.options.additionalSecretOutputs.sort(), ["stderr", "stdout"], c.name);
      assert.equal(c.secretPaths.includes("create"), false, `${c.name}: the command line itself carries no secret`);
    }
    const admin = prod.one(T.command, "-admin-bootstrap");
    assert.ok(admin.secretPaths.includes("stdin"));
    const hook = prod.one(T.command, "-after-reset-0-setup_matrix_bot");
    assert.ok(hook.secretPaths.includes("environment"));
    assert.match(String(hook.inputs["create"]), /-e SYNAPSE_ADMIN_TOKEN/);
  });

  test("generated secrets are secret outputs of the random resources", () => {
    for (const p of prod.all(T.password)) assert.ok(p.options.additionalSecretOutputs.includes("result"), p.name);
  });

  test("no secret comes from RandomBytes or RandomId: their resource id is their value, in plaintext", () => {
    // Seen on the real engine: the signing key seed (a RandomBytes) was in `pulumi stack export`
    // as the resource's id; pulumi-random uses the base64 value as the id, and ids are never secret.
    for (const run of [prod, dev]) {
      assert.deepEqual(
        run.all(T.bytes).map((b) => b.name),
        [],
      );
      assert.deepEqual(
        run.all("random:index/randomId:RandomId").map((b) => b.name),
        [],
      );
    }
  });

  test("no stack output is undefined: the engine warns about each one on every up", () => {
    // Seen on the real engine: "Undefined value (oidcClientSecret) will not show as a stack output".
    for (const run of [prod, dev]) {
      for (const [key, output] of Object.entries(run.outputs)) assert.notEqual(output.value, undefined, key);
    }
    assert.equal("postgresAdminPassword" in prod.outputs, false, "prod's comes from config");
    assert.equal("oidcClientSecret" in dev.outputs, false, "dev has no OIDC");
  });

  test("stack outputs: tokens and client secret are secret, names are not", () => {
    assert.equal(prod.outputs["synapseAdminToken"]?.secret, true);
    assert.equal(prod.outputs["oidcClientSecret"]?.secret, true);
    assert.equal(prod.outputs["afterResetValues"]?.secret, true);
    assert.equal(prod.outputs["synapseAdminPassword"]?.secret, true);
    assert.equal(dev.outputs["postgresAdminPassword"]?.secret, true, "dev's generated PostgreSQL password");
    assert.equal(prod.outputs["postgresAdminPassword"]?.value, undefined, "prod's comes from config, not outputs");
    assert.equal(prod.outputs["mediaVolumeName"]?.secret, false);
    assert.equal(prod.outputs["synapseAdminUserId"]?.secret, false, "an id, shown by `pulumi stack output`");
    assert.equal(prod.outputs["mediaVolumeName"]?.value, "eqmd_matrix_media_store");
    assert.match(
      String(prod.outputs["matrixStackUrn"]?.value),
      /^urn:pulumi:prod::eqmd-matrix::eqmd:matrix:MatrixStack::matrix$/,
    );
  });
});

describe("dev vs prod", () => {
  test("dev: no OIDC client command, no hooks, password login, managed PostgreSQL", () => {
    assert.equal(
      dev.all(T.command).some((c) => c.name.includes("oidc")),
      false,
    );
    assert.equal(
      dev.all(T.command).some((c) => c.name.includes("after-reset-")),
      false,
    );
    const hs = uploadContent(containerNamed(dev, "eqmd_matrix_config_init"), "/data/config/homeserver.yaml");
    assert.match(hs, /password_config:\s*\n\s+enabled: true/);
    assert.doesNotMatch(hs, /oidc_providers/);
    assert.match(hs, /host: eqmd_matrix_postgres/);
  });

  test("prod: OIDC provider with client_secret_path, password login off, eqmd's server name", () => {
    const hs = uploadContent(containerNamed(prod, "eqmd_matrix_config_init"), "/data/config/homeserver.yaml");
    assert.match(hs, /server_name: matrix\.yourhospital\.com/);
    assert.match(hs, /client_secret_path: \/data\/secrets\/oidc_client_secret/);
    assert.match(hs, /idp_id: equipemed/);
    assert.match(hs, /password_config:\s*\n\s+enabled: false/);
    assert.doesNotMatch(hs, /client_secret:/);
  });
});

/** Whether the input at `at` (or a part of it, or the property holding it) was registered as a secret. */
function isSecretAt(r: RecordedResource, at: string): boolean {
  const top = at.split(/[.[]/)[0];
  return r.secretPaths.some((p) => p === top || p === at || p.startsWith(`${at}.`) || p.startsWith(`${at}[`));
}

function uploadContent(container: RecordedResource, file: string): string {
  const up = (container.inputs["uploads"] as { file: string; content: string }[]).find((u) => u.file === file);
  assert.ok(up, `no upload ${file}`);
  return up.content;
}

/** The resource's inputs with every secret path removed: what `pulumi preview` shows in clear. */
function stripSecretPaths(r: RecordedResource): unknown {
  const copy = JSON.parse(JSON.stringify(r.inputs)) as Record<string, unknown>;
  for (const p of r.secretPaths) {
    const parts = p.split(/\.|\[(\d+)\]/).filter(Boolean);
    const last = parts.pop()!;
    const holder = parts.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], copy) as Record<string, unknown>;
    if (p === "") return {};
    holder[last] = "[secret]";
  }
  return copy;
}
