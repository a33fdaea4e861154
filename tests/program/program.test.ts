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

  test("components are parented children, never orphans", () => {
    for (const r of prod.resources.filter((x) => x.type.startsWith("eqmd:matrix:") && x.type !== T.matrixStack)) {
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

  test("long-running containers: replaced on healthcheck change, restart unless-stopped, wait healthy", () => {
    for (const name of ["eqmd_matrix_synapse", "eqmd_element_web"]) {
      const c = containerNamed(prod, name);
      assert.deepEqual(c.options.replaceOnChanges, ["healthcheck"]);
      assert.equal(c.inputs["restart"], "unless-stopped");
      assert.equal(c.inputs["wait"], true);
      assert.ok(((get(c.inputs, "healthcheck.tests") as string[]) ?? []).length > 0);
    }
    const synapse = containerNamed(prod, "eqmd_matrix_synapse");
    assert.deepEqual(get(synapse.inputs, "healthcheck.tests"), ["CMD", "curl", "-fSs", "http://localhost:8008/health"]);
    assert.equal(synapse.inputs["destroyGraceSeconds"], 30);
    // Seen on the real engine: a `user:` beside owned uploads fails the create (moby#34142);
    // start.py drops from root to UID:GID instead.
    assert.equal(synapse.inputs["user"], undefined);
    assert.ok((synapse.inputs["envs"] as string[]).includes("UID=1001"));
    assert.ok((synapse.inputs["envs"] as string[]).includes("GID=1001"));
    assert.deepEqual(get(synapse.inputs, "capabilities.adds"), ["CAP_SETGID", "CAP_SETUID"]);
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
    for (const run of [prod, dev]) {
      for (const c of run.all(T.container)) {
        const uploads = (c.inputs["uploads"] as { owner?: string; group?: string }[] | undefined) ?? [];
        if (uploads.some((u) => u.owner !== undefined || u.group !== undefined)) {
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

  test("homeserver.yaml is a readable (non-secret) upload; secret files are secret and 0400", () => {
    const synapse = containerNamed(prod, "eqmd_matrix_synapse");
    const uploads = synapse.inputs["uploads"] as { file: string; permissions: string; owner: string }[];
    const at = (file: string) => uploads.findIndex((u) => u.file === file);
    const main = at("/data/homeserver.yaml");
    assert.ok(main >= 0);
    assert.equal(
      synapse.secretPaths.includes(`uploads[${main}].content`),
      false,
      "homeserver.yaml must stay readable in preview",
    );
    for (const file of ["/data/secrets.yaml", "/data/signing.key", "/data/pgpass", "/data/oidc_client_secret"]) {
      const i = at(file);
      assert.ok(i >= 0, `missing upload ${file}`);
      assert.ok(synapse.secretPaths.includes(`uploads[${i}].content`), `${file} must be secret`);
      assert.equal(uploads[i].permissions, "0400");
      assert.equal(uploads[i].owner, "1001");
    }
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
    const hs = uploadContent(containerNamed(dev, "eqmd_matrix_synapse"), "/data/homeserver.yaml");
    assert.match(hs, /password_config:\s*\n\s+enabled: true/);
    assert.doesNotMatch(hs, /oidc_providers/);
    assert.match(hs, /host: eqmd_matrix_postgres/);
  });

  test("prod: OIDC provider with client_secret_path, password login off, eqmd's server name", () => {
    const hs = uploadContent(containerNamed(prod, "eqmd_matrix_synapse"), "/data/homeserver.yaml");
    assert.match(hs, /server_name: matrix\.yourhospital\.com/);
    assert.match(hs, /client_secret_path: \/data\/oidc_client_secret/);
    assert.match(hs, /idp_id: equipemed/);
    assert.match(hs, /password_config:\s*\n\s+enabled: false/);
    assert.doesNotMatch(hs, /client_secret:/);
  });
});

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
