import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { planFromState, ProtectedResourceError } from "../../ops/reset/statePlan";
import { stackOutputs } from "../../ops/reset/cli";

const P = "urn:pulumi:dev::eqmd-matrix::";
const ROOT = `${P}pulumi:pulumi:Stack::eqmd-matrix-dev`;
const MATRIX = `${P}eqmd:matrix:MatrixStack::matrix`;
const SYNAPSE = `${P}eqmd:matrix:MatrixStack$eqmd:matrix:Synapse::matrix-synapse`;
const CONTAINER = `${P}eqmd:matrix:MatrixStack$eqmd:matrix:Synapse$docker:index/container:Container::matrix-synapse-container`;
const PG = `${P}eqmd:matrix:ManagedPostgres$docker:index/container:Container::dev-postgres-container`;
const NETWORK = `${P}docker:index/network:Network::network`;
const PROVIDER = `${P}pulumi:providers:postgresql::postgresql`;

function state(extra: Record<string, unknown>[] = [], top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resources: [
      { urn: ROOT, type: "pulumi:pulumi:Stack" },
      { urn: NETWORK, type: "docker:index/network:Network", parent: ROOT },
      { urn: PG, type: "docker:index/container:Container", parent: ROOT, dependencies: [NETWORK] },
      { urn: PROVIDER, type: "pulumi:providers:postgresql", parent: ROOT, dependencies: [PG] },
      { urn: MATRIX, type: "eqmd:matrix:MatrixStack", parent: ROOT },
      { urn: SYNAPSE, type: "eqmd:matrix:Synapse", parent: MATRIX },
      { urn: CONTAINER, type: "docker:index/container:Container", parent: SYNAPSE, dependencies: [NETWORK] },
      ...extra,
    ],
    ...top,
  };
}

const urns = (d: unknown): string[] => planFromState(d, MATRIX)?.deletes.map((s) => s.urn) ?? [];

describe("the reset's plan from the state", () => {
  it("is the component and its whole parent tree, dependents first, nothing it only uses", () => {
    const plan = planFromState(state(), MATRIX);
    assert.deepEqual(
      plan?.deletes.map((d) => d.urn),
      [CONTAINER, SYNAPSE, MATRIX],
    );
    assert.deepEqual(plan?.changeSummary, { delete: 3 });
  });

  it("adds, transitively, what depends on a deleted resource in any way the engine follows", () => {
    const out = (n: string): string => `${P}eqmd:x:Y::${n}`;
    const extra = [
      { urn: out("by-dependency"), type: "t", parent: ROOT, dependencies: [CONTAINER] },
      { urn: out("by-property"), type: "t", parent: ROOT, propertyDependencies: { a: [out("by-dependency")] } },
      { urn: out("by-deleted-with"), type: "t", parent: ROOT, deletedWith: SYNAPSE },
      { urn: `${P}pulumi:providers:docker::p`, type: "pulumi:providers:docker", parent: ROOT, dependencies: [MATRIX] },
      { urn: out("by-provider"), type: "t", parent: ROOT, provider: `${P}pulumi:providers:docker::p::1234-id` },
      { urn: out("by-parent"), type: "t", parent: out("by-provider") },
      { urn: out("unrelated"), type: "t", parent: ROOT, dependencies: [PG], provider: `${PROVIDER}::abc` },
    ];
    const got = urns(state(extra));
    for (const n of ["by-dependency", "by-property", "by-deleted-with", "by-provider", "by-parent"])
      assert.ok(got.includes(out(n)), n);
    assert.ok(!got.includes(out("unrelated")) && !got.includes(PG) && !got.includes(NETWORK) && !got.includes(ROOT));
    // A dependent is deleted before what it depends on.
    assert.ok(got.indexOf(out("by-property")) < got.indexOf(out("by-dependency")));
    assert.ok(got.indexOf(out("by-dependency")) < got.indexOf(CONTAINER));
  });

  it("is not enough (undefined) with pending operations, old copies awaiting deletion, or no such component", () => {
    assert.equal(planFromState(state([], { pending_operations: [{ type: "creating" }] }), MATRIX), undefined);
    assert.equal(
      planFromState(state([{ urn: CONTAINER, type: "t", parent: SYNAPSE, delete: true }]), MATRIX),
      undefined,
    );
    assert.equal(planFromState(state(), `${P}eqmd:matrix:MatrixStack::other`), undefined);
    assert.equal(planFromState({}, MATRIX), undefined);
    assert.equal(planFromState(undefined, MATRIX), undefined);
  });

  it("refuses, naming it, when a resource the destroy must delete is protected (the destroy would fail)", () => {
    const d = state([{ urn: `${P}x::guarded`, type: "t", parent: SYNAPSE, protect: true }]);
    assert.throws(
      () => planFromState(d, MATRIX),
      (err: unknown) => {
        assert.ok(err instanceof ProtectedResourceError);
        assert.match(err.message, /x::guarded is protected/);
        return true;
      },
    );
  });
});

describe("the stack's outputs from an export with --show-secrets", () => {
  it("reads plain values and secrets (their plaintext, marked secret), also inside objects", () => {
    const SIG = "4dabf18193072939515e22adb298388d";
    const secret = (v: unknown) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(v) });
    const deployment = {
      resources: [
        {
          urn: ROOT,
          type: "pulumi:pulumi:Stack",
          outputs: { matrixStackUrn: MATRIX, token: secret("syt_x"), nested: { a: 1, pw: secret("p") } },
        },
      ],
    };
    assert.deepEqual(stackOutputs(deployment), {
      matrixStackUrn: { value: MATRIX, secret: false },
      token: { value: "syt_x", secret: true },
      nested: { value: { a: 1, pw: "p" }, secret: false },
    });
    assert.deepEqual(stackOutputs({ resources: [] }), {});
    assert.deepEqual(stackOutputs(undefined), {});
  });
});
