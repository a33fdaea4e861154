/**
 * The pack as the Pulumi CLI sees it: the policy list's shape, then `policy/index.ts` started
 * for real (it serves the analyzer gRPC API, as under `pulumi preview --policy-pack policy`) and
 * queried the way the engine does: analyzer info, config, and one resource at a time.
 */
import assert from "node:assert/strict";
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { policies } from "../../policy/policies";
import { goodContainer, T, urnFor } from "./support";

const POLICY_DIR = path.resolve(__dirname, "..", "..", "policy");

/** Pulumi's wire encoding of a secret and of an unknown (preview) value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const EXPECTED_NAMES = [
  "pinned-images",
  "no-secrets-in-plain-container-inputs",
  "long-running-containers-are-supervised",
  "long-running-containers-are-hardened",
  "synapse-database-locale",
  "loopback-published-ports",
  "no-protect-inside-matrix-stack",
];

describe("the policy list", () => {
  test("holds the seven policies, uniquely named, all mandatory and documented", () => {
    assert.deepEqual(
      policies.map((p) => p.name),
      EXPECTED_NAMES,
    );
    for (const policy of policies) {
      assert.equal(policy.enforcementLevel, "mandatory", policy.name);
      assert.ok(policy.description.length > 40, policy.name);
      assert.ok((policy.remediationSteps ?? "").length > 40, policy.name);
      assert.equal(typeof policy.validateResource, "function", policy.name);
    }
  });
});

/** One analyzer result, flattened. */
interface Diagnostic {
  policy: string;
  level: analyzer.EnforcementLevel;
  message: string;
}

/** A gRPC unary call as a promise. */
function settle<T>(run: (callback: (err: grpc.ServiceError | null, response: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    run((err, response) => (err ? reject(err) : resolve(response)));
  });
}

describe("the pack served by policy/index.ts", () => {
  let server: ChildProcessWithoutNullStreams | undefined;
  let client: AnalyzerClient;

  before(async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "index.ts"], { cwd: POLICY_DIR });
    server = child;
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = /^(\d+)\s*$/m.exec(out);
        if (line) {
          resolve(line[1]);
        }
      });
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.on("exit", (code) => reject(new Error(`policy pack exited with ${String(code)}: ${err}`)));
      setTimeout(() => reject(new Error(`policy pack printed no port within 30 s: ${out} ${err}`)), 30_000).unref();
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    server?.kill();
  });

  async function analyze(
    type: string,
    name: string,
    props: Record<string, unknown>,
    { parents = [], protect = false }: { parents?: string[]; protect?: boolean } = {},
  ): Promise<Diagnostic[]> {
    const request = new analyzer.AnalyzeRequest()
      .setType(type)
      .setName(name)
      .setUrn(urnFor(type, name, parents))
      .setProperties(Struct.fromJavaScript(props as Record<string, never>))
      .setOptions(new analyzer.AnalyzerResourceOptions().setProtect(protect));
    const response = await settle<analyzer.AnalyzeResponse>((cb) => client.analyze(request, cb));
    return response.getDiagnosticsList().map((d) => ({
      policy: d.getPolicyname(),
      level: d.getEnforcementlevel(),
      message: d.getMessage(),
    }));
  }

  async function configureLoopback(allowPublicPorts: boolean): Promise<void> {
    const config = new analyzer.PolicyConfig()
      .setEnforcementlevel(analyzer.EnforcementLevel.MANDATORY)
      .setProperties(Struct.fromJavaScript({ allowPublicPorts }));
    const request = new analyzer.ConfigureAnalyzerRequest();
    request.getPolicyconfigMap().set("loopback-published-ports", config);
    await settle((cb) => client.configure(request, cb));
  }

  test("announces the pack, its version and its policies", async () => {
    const info = await settle<analyzer.AnalyzerInfo>((cb) => client.getAnalyzerInfo(new Empty(), cb));
    assert.equal(info.getName(), "eqmd-matrix");
    assert.equal(info.getVersion(), "0.1.0");
    assert.equal(info.getSupportsconfig(), true);
    assert.deepEqual(
      info.getPoliciesList().map((p) => p.getName()),
      EXPECTED_NAMES,
    );
    const loopback = info.getPoliciesList().find((p) => p.getName() === "loopback-published-ports");
    assert.deepEqual(loopback?.getConfigschema()?.getProperties()?.toJavaScript(), {
      allowPublicPorts: {
        type: "boolean",
        default: false,
        description: "Allow published ports on all interfaces (for a stack behind its own firewall).",
      },
    });
  });

  test("passes a compliant container and reports a non-compliant one as mandatory", async () => {
    assert.deepEqual(await analyze(T.container, "synapse", goodContainer()), []);
    const diagnostics = await analyze(T.container, "element", {
      name: "eqmd_element",
      image: "vectorim/element-web:latest",
      ports: [{ internal: 80, external: 8080 }],
    });
    assert.deepEqual(
      diagnostics.map((d) => [d.policy, d.level]),
      [
        ["pinned-images", analyzer.EnforcementLevel.MANDATORY],
        ["long-running-containers-are-supervised", analyzer.EnforcementLevel.MANDATORY],
        ["long-running-containers-are-supervised", analyzer.EnforcementLevel.MANDATORY],
        ["long-running-containers-are-hardened", analyzer.EnforcementLevel.MANDATORY],
        ["loopback-published-ports", analyzer.EnforcementLevel.MANDATORY],
      ],
    );
  });

  test("sees through Pulumi secrets: a secret env value is still a plain container input", async () => {
    const secret = { [SECRET_SIG]: SECRET_VALUE_SIG, value: "POSTGRES_PASSWORD=hunter2" };
    const diagnostics = await analyze(T.container, "postgres", goodContainer({ envs: [secret] }));
    assert.deepEqual(
      diagnostics.map((d) => d.policy),
      ["no-secrets-in-plain-container-inputs"],
    );
    assert.doesNotMatch(diagnostics[0].message, /hunter2/);
  });

  test("during preview, an unknown input makes the policy advisory instead of failing", async () => {
    const diagnostics = await analyze(T.container, "synapse", goodContainer({ image: UNKNOWN }));
    assert.deepEqual(
      diagnostics.map((d) => [d.policy, d.level]),
      [["pinned-images", analyzer.EnforcementLevel.ADVISORY]],
    );
    assert.match(diagnostics[0].message, /can't run policy 'pinned-images'.* during preview/);
  });

  test("policy config allowPublicPorts: true lets a stack publish on all interfaces", async () => {
    const props = goodContainer({ ports: [{ internal: 8008, external: 8008, ip: "0.0.0.0" }] });
    assert.equal((await analyze(T.container, "synapse", props)).length, 1);
    await configureLoopback(true);
    assert.deepEqual(await analyze(T.container, "synapse", props), []);
    await configureLoopback(false);
    assert.equal((await analyze(T.container, "synapse", props)).length, 1);
  });

  test("reports a protected resource inside MatrixStack", async () => {
    const props = { name: "matrix_db", encoding: "UTF8", lcCollate: "C", lcCtype: "C", template: "template0" };
    const parents = ["eqmd:matrix:MatrixStack", "eqmd:matrix:SynapseDatabase"];
    assert.deepEqual(await analyze(T.database, "matrix-db", props, { parents }), []);
    assert.deepEqual(
      (await analyze(T.database, "matrix-db", props, { parents, protect: true })).map((d) => d.policy),
      ["no-protect-inside-matrix-stack"],
    );
  });
});
