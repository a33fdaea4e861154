/** The adopt end to end against recording fakes: order, import request, refusals, undo. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { declaredUrn, providerUrn } from "../../ops/adopt/declared";
import { run } from "../../ops/adopt/run";
import { targetFrom } from "../../ops/adopt/target";
import { AdoptImportOptions } from "../../ops/adopt/types";
import { ADMIN_PASSWORD, eqmdHost, ELEMENT_ID, event, harness, prodConfig, STACK, SYNAPSE_ID } from "./fakes";

const urn = (key: string) => declaredUrn(STACK, key);

/** What the engine plans on an eqmd host: role and database updated, containers replaced. */
const goodPreview = () => [
  event("same", urn("matrixStack")),
  event("update", urn("role"), ["password"]),
  event("update", urn("database"), ["owner"]),
  event("same", urn("mediaVolume")),
  event("delete-replaced", urn("synapseContainer"), ["image", "uploads"]),
  event("replace", urn("synapseContainer"), ["image", "uploads"]),
  event("create-replacement", urn("synapseContainer"), ["image", "uploads"]),
  event("replace", urn("elementContainer"), ["image"]),
];

describe("adopt on a host eqmd's procedure built", () => {
  test("providers, then one import of the five objects under the program's URNs, preview, confirm, up", async () => {
    const h = harness(eqmdHost(), { previewEvents: goodPreview });
    const code = await run({ stack: STACK, yes: true }, h.deps);
    assert.equal(code, 0, h.err());
    assert.deepEqual(
      h.calls.map((c) => c.method),
      ["getAllConfig", "exportStack", "recordProviders", "import", "preview", "up"],
    );
    const providersUp = h.calls[2] as { target?: string[] };
    assert.deepEqual(
      providersUp.target?.sort(),
      [providerUrn(STACK, "docker"), providerUrn(STACK, "postgresql")].sort(),
    );

    const imp = (h.calls[3] as { opts: AdoptImportOptions }).opts;
    assert.equal(imp.protect, false, "a protected resource would make every later reset fail");
    assert.equal(imp.generateCode, false);
    const byName = Object.fromEntries(imp.resources.map((r) => [r.name, r]));
    assert.deepEqual(
      imp.resources.map((r) => [
        r.name,
        r.logicalName,
        r.id ?? null,
        r.parent ?? null,
        r.provider ?? null,
        r.component ?? false,
      ]),
      [
        ["matrixStack", "matrix", null, null, null, true],
        ["synapseDatabase", "matrix-database", null, "matrixStack", null, true],
        ["role", "matrix-database-role", "matrix_user", "synapseDatabase", "postgresql", false],
        ["database", "matrix-database-database", "matrix_db", "synapseDatabase", "postgresql", false],
        ["synapse", "matrix-synapse", null, "matrixStack", null, true],
        ["mediaVolume", "matrix-synapse-media", "eqmd_matrix_media_store", "synapse", "docker", false],
        ["synapseContainer", "matrix-synapse-container", SYNAPSE_ID, "synapse", "docker", false],
        ["element", "matrix-element", null, "matrixStack", null, true],
        ["elementContainer", "matrix-element-container", ELEMENT_ID, "element", "docker", false],
      ],
    );
    assert.equal(byName["role"]?.type, "postgresql:index/role:Role");
    assert.deepEqual(imp.nameTable, {
      postgresql: providerUrn(STACK, "postgresql"),
      docker: providerUrn(STACK, "docker"),
    });

    const out = h.out();
    assert.match(out, /database "matrix_db" is owned by eqmd_user .*makes\s+matrix_user its owner/);
    assert.match(out, /12 account\(s\), 4 room\(s\) and 7 uploaded file\(s\) \(Synapse schema 83\)/);
    assert.match(out, /container eqmd_matrix_synapse: replace \(image, uploads\)/);
    assert.match(out, /database matrix_db: update \(owner\)/);
    assert.match(out, /volume eqmd_matrix_media_store: no change/);
    assert.match(out, /Done: stack "prod" owns the Matrix side/);
  });

  test("psql gets the admin password in PGPASSWORD only; no output shows it", async () => {
    const h = harness(eqmdHost(), { previewEvents: goodPreview });
    await run({ stack: STACK, yes: true }, h.deps);
    const psql = h.commands.filter((c) => c.argv[0] === "psql");
    assert.ok(psql.length >= 3);
    for (const c of psql) {
      assert.equal(c.env?.["PGPASSWORD"], ADMIN_PASSWORD);
      assert.ok(!c.argv.join(" ").includes(ADMIN_PASSWORD), "never in argv (visible in ps)");
      assert.ok(c.argv.includes("--host=127.0.0.1") && c.argv.includes("--username=eqmd_user"));
    }
    assert.ok(!h.out().includes(ADMIN_PASSWORD) && !h.err().includes(ADMIN_PASSWORD));
  });

  test("a typed stack name confirms; anything else puts the saved state back and runs no up", async () => {
    const yes = harness(eqmdHost(), { previewEvents: goodPreview }, { isTTY: true, answer: "prod" });
    assert.equal(await run({ stack: STACK, yes: false }, yes.deps), 0);

    const no = harness(eqmdHost(), { previewEvents: goodPreview }, { isTTY: true, answer: "dev" });
    assert.equal(await run({ stack: STACK, yes: false }, no.deps), 1);
    const methods = no.calls.map((c) => c.method);
    assert.deepEqual(methods, ["getAllConfig", "exportStack", "recordProviders", "import", "preview", "importStack"]);
    const restored = no.calls[5] as { state: { deployment: unknown } };
    assert.deepEqual(restored.state.deployment, { resources: [] }, "the state as it was before the adopt");
    assert.match(no.out(), /state was put back/);

    const noTty = harness(eqmdHost(), { previewEvents: goodPreview }, { isTTY: false });
    assert.equal(await run({ stack: STACK, yes: false }, noTty.deps), 2);
    assert.equal(noTty.calls.at(-1)?.method, "importStack");
  });

  test("a preview that would replace the database, role or volume is refused and undone", async () => {
    for (const key of ["database", "role", "mediaVolume"]) {
      const h = harness(eqmdHost(), {
        previewEvents: () => [
          ...goodPreview().filter((e) => e.resourcePreEvent?.metadata.urn !== urn(key)),
          event("replace", urn(key), ["lcCollate"]),
        ],
      });
      assert.equal(await run({ stack: STACK, yes: true }, h.deps), 2, key);
      assert.equal(h.calls.at(-1)?.method, "importStack", `${key}: the import is undone`);
      assert.equal(h.calls.filter((c) => c.method === "up").length, 0, `${key}: no up ran`);
      assert.match(h.err(), /would lose data/);
    }
  });

  test("an import the program does not declare (the preview deletes it) is refused and undone", async () => {
    const h = harness(eqmdHost(), {
      previewEvents: () => [
        ...goodPreview().filter((e) => e.resourcePreEvent?.metadata.urn !== urn("role")),
        event("delete", urn("role")),
      ],
    });
    assert.equal(await run({ stack: STACK, yes: true }, h.deps), 2);
    assert.match(h.err(), /role matrix_user: the preview plans delete/);
    assert.match(h.err(), /declares no resource at/);
  });

  test("a failing import or preview puts the state back", async () => {
    for (const step of ["import", "preview", "providers"] as const) {
      const h = harness(eqmdHost(), { previewEvents: goodPreview, fail: { [step]: `${step} broke` } });
      assert.equal(await run({ stack: STACK, yes: true }, h.deps), 1, step);
      assert.equal(h.calls.at(-1)?.method, "importStack", step);
      assert.match(h.err(), new RegExp(`${step} broke`));
    }
  });

  test("objects already in the state are not imported again; their parents come from the name table", async () => {
    const resources = [
      { urn: providerUrn(STACK, "docker"), type: "pulumi:providers:docker" },
      { urn: providerUrn(STACK, "postgresql"), type: "pulumi:providers:postgresql" },
      { urn: urn("matrixStack"), type: "eqmd:matrix:MatrixStack" },
      { urn: urn("synapseDatabase"), type: "eqmd:matrix:SynapseDatabase" },
      { urn: urn("role"), type: "postgresql:index/role:Role" },
      { urn: urn("database"), type: "postgresql:index/database:Database" },
    ];
    const h = harness(eqmdHost(), { resources, previewEvents: goodPreview });
    assert.equal(await run({ stack: STACK, yes: true }, h.deps), 0, h.err());
    assert.deepEqual(
      h.calls.map((c) => c.method),
      ["getAllConfig", "exportStack", "import", "preview", "up"],
      "providers already in the state: not recorded again",
    );
    const imp = (h.calls[2] as { opts: AdoptImportOptions }).opts;
    assert.deepEqual(
      imp.resources.map((r) => r.name),
      ["synapse", "mediaVolume", "synapseContainer", "element", "elementContainer"],
    );
    assert.equal(imp.nameTable["matrixStack"], urn("matrixStack"));
    assert.match(h.out(), /role matrix_user {2}\(already in the state: left as it is\)/);
  });
});

describe("adopt refuses, changing nothing", () => {
  const refused = async (
    mutate: (host: ReturnType<typeof eqmdHost>) => void,
    pattern: RegExp,
    config = prodConfig(),
  ) => {
    const host = eqmdHost();
    mutate(host);
    const h = harness(host, { config, previewEvents: goodPreview });
    const code = await run({ stack: STACK, yes: true }, h.deps);
    assert.equal(code, 2, h.out());
    assert.deepEqual(
      h.calls.map((c) => c.method),
      ["getAllConfig"],
      "no state read or write",
    );
    assert.match(h.err(), pattern);
    assert.match(h.err(), /Nothing was changed/);
    return h.err();
  };

  test("a database owned by a third role", async () => {
    const err = await refused(
      (h) => (h.database = { ...h.database!, owner: "someone_else" }),
      /found owner someone_else/,
    );
    assert.match(err, /ALTER DATABASE matrix_db OWNER TO matrix_user/);
  });

  test("a database with another encoding or locale", async () => {
    await refused(
      (h) => (h.database = { ...h.database!, encoding: "SQL_ASCII" }),
      /found encoding SQL_ASCII; the stack declares encoding UTF8/,
    );
    const err = await refused(
      (h) => (h.database = { ...h.database!, lcCollate: "en_US.UTF-8", lcCtype: "en_US.UTF-8" }),
      /found LC_COLLATE en_US.UTF-8, LC_CTYPE en_US.UTF-8; the stack declares LC_COLLATE C, LC_CTYPE C/,
    );
    assert.match(err, /drops every account, room and message/);
  });

  test("accounts of another server name", async () => {
    const err = await refused(
      (h) =>
        (h.database = { ...h.database!, synapse: { ...h.database!.synapse!, serverNames: ["matrix.sispep.com"] } }),
      /found accounts of server matrix\.sispep\.com; the stack declares server matrix\.yourhospital\.com/,
    );
    assert.match(err, /pulumi config set matrixFqdn matrix\.sispep\.com --stack prod/);
  });

  test("a superuser role, or the admin user itself as Synapse's role", async () => {
    await refused((h) => (h.role = { ...h.role!, superuser: true }), /role "matrix_user": found a superuser/);
    const config = prodConfig({ "eqmd-matrix:database": { name: "matrix_db", role: "eqmd_user" } });
    await refused(
      (h) => (h.role = { name: "eqmd_user", superuser: true, canLogin: true }),
      /found the admin user the stack connects as/,
      config,
    );
  });

  test("uploaded files listed in the database but no media volume of the declared name", async () => {
    await refused((h) => delete h.volume, /volume "eqmd_matrix_media_store": found no such volume/);
  });

  test("a managed-PostgreSQL stack, or an invalid config", async () => {
    const managed = targetFrom("dev", prodConfig({ "eqmd-matrix:postgres": { mode: "managed" } }));
    assert.equal(managed.ok, false);
    assert.match(
      (managed as { reason: string }).reason,
      /postgres\.mode is "managed": this stack runs its own PostgreSQL/,
    );
    const bad = harness(eqmdHost(), { config: prodConfig({ "eqmd-matrix:uid": "root" }) });
    assert.equal(await run({ stack: STACK, yes: true }, bad.deps), 2);
    assert.match(bad.err(), /its config is invalid/);
  });
});

describe("adopt with nothing, or nothing readable", () => {
  test("a host without any of the objects: nothing to adopt, exit 0, no state touched", async () => {
    const h = harness({}, {});
    assert.equal(await run({ stack: STACK, yes: true }, h.deps), 0);
    assert.match(h.out(), /Nothing to adopt/);
    assert.deepEqual(
      h.calls.map((c) => c.method),
      ["getAllConfig"],
    );
  });

  test("an unreachable Docker engine or PostgreSQL stops before any state change", async () => {
    const docker = harness({
      ...eqmdHost(),
      failing: { match: /^docker volume/, stderr: "Cannot connect to the Docker daemon" },
    });
    assert.equal(await run({ stack: STACK, yes: true }, docker.deps), 1);
    assert.match(
      docker.err(),
      /Cannot read the volume "eqmd_matrix_media_store": docker volume inspect failed .*Cannot connect/,
    );
    const pg = harness({ ...eqmdHost(), failing: { match: /^psql/, stderr: "psql: error: connection refused" } });
    assert.equal(await run({ stack: STACK, yes: true }, pg.deps), 1);
    assert.match(pg.err(), /psql as eqmd_user on 127\.0\.0\.1:5432 failed \(exit 2\): psql: error: connection refused/);
    for (const h of [docker, pg])
      assert.deepEqual(
        h.calls.map((c) => c.method),
        ["getAllConfig"],
      );
  });
});
