/**
 * The reset serves its program to `pulumi up --client=<address>` through @pulumi/pulumi's
 * internal LanguageServer (ops/reset/programHost.ts). These fail if that internal moves, and
 * check what the host promises: a loopback address that answers the language protocol, served
 * again after a close, and the process's source-map setting restored. The real `up` through it
 * runs in the dev e2e test's resets.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { hostProgram, pulumiInternals } from "../../ops/reset/programHost";
import { REPO_ROOT } from "../support/settings";

/** Asks the served LanguageRuntime for its plugin info, as the CLI does when it connects. */
function pluginInfo(address: string): Promise<unknown> {
  const Client = grpc.makeGenericClientConstructor(pulumiInternals().LanguageRuntimeService, "LanguageRuntime");
  const client = new Client(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    getPluginInfo(request: unknown, callback: (err: Error | null, reply: unknown) => void): void;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the request type of the same internal protocol
  const { Empty } = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };
  return new Promise((resolve, reject) => {
    client.getPluginInfo(new Empty(), (err, reply) => {
      client.close();
      if (err) reject(err);
      else resolve(reply);
    });
  });
}

describe("the reset's program host", () => {
  it("finds the SDK's LanguageServer, its service and channel options", () => {
    const internals = pulumiInternals();
    assert.equal(typeof internals.LanguageServer, "function");
    assert.ok("run" in internals.LanguageRuntimeService, "the service has a run method");
  });

  it("serves on loopback, answers the protocol, serves again after a close, restores source maps", async () => {
    const before = process.sourceMapsEnabled;
    const host = hostProgram(REPO_ROOT, () => Promise.resolve({}));
    const first = await host.address();
    assert.match(first, /^127\.0\.0\.1:\d+$/);
    assert.equal(await host.address(), first, "one server per up");
    assert.ok(await pluginInfo(first));
    assert.equal(process.sourceMapsEnabled, false, "unmapped stack traces while the program runs");
    host.close();
    assert.equal(process.sourceMapsEnabled, before);
    const second = await host.address();
    assert.ok(await pluginInfo(second));
    host.close();
  });
});
