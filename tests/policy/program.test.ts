/**
 * Every policy of the pack against what the real program declares for the dev and prod stacks
 * (evaluated under mocks by the program harness): the program must pass its own policy pack.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ResourceSpec } from "./support";
import { runPolicy } from "./support";
import { policies } from "../../policy/policies";
import { runProgram } from "../support/programHarness";
import type { RecordedResource } from "../support/programHarness";

/**
 * The URNs the engine would give the recorded resources. Pulumi's mocks build a child's URN
 * from its immediate parent's type only (`eqmd:matrix:Synapse$docker:…`); the engine keeps the
 * whole chain (`eqmd:matrix:MatrixStack$eqmd:matrix:Synapse$docker:…`), which is what
 * no-protect-inside-matrix-stack reads. Rebuilt here from the recorded parent links.
 */
function engineUrns(resources: readonly RecordedResource[]): Map<string, string> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const chainOf = (r: RecordedResource): string[] => {
    const parent = r.parent === undefined ? undefined : byUrn.get(r.parent);
    return parent === undefined ? [r.type] : [...chainOf(parent), r.type];
  };
  return new Map(
    resources.map((r) => {
      const [prefix, project] = r.urn.split("::");
      return [r.urn, `${prefix}::${project}::${chainOf(r).join("$")}::${r.name}`];
    }),
  );
}

/** The policy-side view of a recorded resource (policy config: the pack's defaults). */
function specOf(resource: RecordedResource, urns: ReadonlyMap<string, string>): ResourceSpec {
  const parent = resource.parent === undefined ? undefined : (urns.get(resource.parent) ?? resource.parent);
  return {
    type: resource.type,
    name: resource.name,
    urn: urns.get(resource.urn) ?? resource.urn,
    props: resource.inputs,
    opts: {
      protect: resource.options.protect,
      ignoreChanges: resource.options.ignoreChanges,
      deleteBeforeReplace: resource.options.deleteBeforeReplace,
      additionalSecretOutputs: resource.options.additionalSecretOutputs,
      ...(parent === undefined ? {} : { parent }),
    },
  };
}

/** dev with Synapse's worker mode and metrics: Redis, five workers, the router, six metrics ports. */
const WORKERS = {
  "eqmd-matrix:synapse": {
    passwordLogin: true,
    workers: { sync: 2, client: 1, media: true, background: true },
    metrics: { port: "127.0.0.1:19090" },
  },
};

const STACKS: Record<string, () => RecordedResource[]> = {
  dev: () => runProgram("Pulumi.dev.yaml").resources,
  prod: () => runProgram("Pulumi.prod.yaml").resources,
  "dev with synapse.workers and synapse.metrics": () => runProgram("Pulumi.dev.yaml", { overrides: WORKERS }).resources,
};

describe("dev with workers: a metrics port made public is refused by the pack", () => {
  test("loopback-published-ports reports a worker's metrics port on 0.0.0.0", async () => {
    const resources = STACKS["dev with synapse.workers and synapse.metrics"]();
    const urns = engineUrns(resources);
    const worker = resources.find((r) => r.name === "matrix-workers-sync1");
    assert.ok(worker, "no sync1 worker declared");
    const ports = worker.inputs["ports"] as { internal: number; external: number; ip: string }[];
    assert.deepEqual(ports, [{ internal: 9000, external: 19091, ip: "127.0.0.1", protocol: "tcp" }]);
    const broken = { ...worker, inputs: { ...worker.inputs, ports: [{ ...ports[0], ip: "0.0.0.0" }] } };
    const policy = policies.find((p) => p.name === "loopback-published-ports")!;
    assert.ok((await runPolicy(policy, specOf(broken, urns))).violations.length > 0);
  });
});

for (const [stack, declared] of Object.entries(STACKS)) {
  describe(`the ${stack} stack`, () => {
    const resources = declared();
    const urns = engineUrns(resources);

    test("declares what the policies are about (so passing is not vacuous)", () => {
      const types = new Set(resources.map((r) => r.type));
      for (const type of [
        "eqmd:matrix:MatrixStack",
        "docker:index/container:Container",
        "docker:index/remoteImage:RemoteImage",
        "postgresql:index/database:Database",
        "command:local:Command",
      ]) {
        assert.ok(types.has(type), `no ${type} among ${[...types].join(", ")}`);
      }
      const deep = [...urns.values()].filter((urn) => /::eqmd:matrix:MatrixStack\$eqmd:matrix:\w+\$/.test(urn));
      assert.ok(deep.length > 0, "no resource two levels below MatrixStack: are the parent links recorded?");
    });

    test("the same checks report the program's resources once they are made non-compliant", async () => {
      const synapse = resources.find(
        (r) =>
          r.type === "docker:index/container:Container" &&
          r.urn.includes("eqmd:matrix:Synapse$") &&
          r.inputs.restart === "unless-stopped",
      );
      assert.ok(synapse, "no long-running Synapse container");
      const broken: RecordedResource = {
        ...synapse,
        inputs: {
          ...synapse.inputs,
          image: "matrixdotorg/synapse:latest",
          restart: "no",
          ports: [{ internal: 8008 }],
          readOnly: false,
          logOpts: {},
        },
        options: { ...synapse.options, protect: true },
      };
      const reported = new Set<string>();
      for (const policy of policies) {
        if ((await runPolicy(policy, specOf(broken, urns))).violations.length > 0) {
          reported.add(policy.name);
        }
      }
      assert.deepEqual(
        [...reported],
        [
          "pinned-images",
          "long-running-containers-are-supervised",
          "long-running-containers-are-hardened",
          "loopback-published-ports",
          "no-protect-inside-matrix-stack",
        ],
      );
    });

    for (const policy of policies) {
      test(`passes ${policy.name}`, async () => {
        const violations: string[] = [];
        for (const resource of resources) {
          const run = await runPolicy(policy, specOf(resource, urns));
          violations.push(...run.violations.map((v) => `${urns.get(resource.urn) ?? resource.urn}: ${v}`));
        }
        assert.deepEqual(violations, []);
      });
    }
  });
}
