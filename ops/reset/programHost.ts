/**
 * The program, served from the reset's own process to the `pulumi up` that rebuilds the Matrix
 * side. Without it, that `up` starts the nodejs language host, which starts node, ts-node and
 * the SDKs and compiles the program: about 2 s (measured, docs/reset.md), all of it while
 * Synapse is down. Here the program is loaded while the reset reads the config, before
 * anything stops, and the CLI is pointed at it with `--client=<address>`: the mechanism the
 * Automation API uses for inline programs (its LanguageServer, run by the CLI's engine exactly
 * like the language host's). The program is the same function index.ts exports (program.ts).
 *
 * The LanguageServer and grpcChannelOptions are internal to @pulumi/pulumi (no typings), so
 * they are read here by name, against the exact version package.json pins;
 * tests/reset/programHost.test.ts fails if they move.
 */
import * as grpc from "@grpc/grpc-js";
import { eqmdMatrix } from "../../program";

type ProgramFn = () => Promise<Record<string, unknown>>;

interface PulumiInternals {
  readonly LanguageServer: new (program: ProgramFn) => grpc.UntypedServiceImplementation;
  readonly LanguageRuntimeService: grpc.ServiceDefinition;
  readonly grpcChannelOptions: grpc.ChannelOptions;
}

/** A program served to `pulumi up --client=<address>`; close() once that `up` has ended. */
export interface ProgramHost {
  /** Starts serving (again after a close) and returns the address for `--client`. */
  address(): Promise<string>;
  close(): void;
}

export function pulumiInternals(): PulumiInternals {
  /* eslint-disable @typescript-eslint/no-require-imports -- untyped internals, see the header */
  const server = require("@pulumi/pulumi/automation/server") as Partial<PulumiInternals>;
  const proto = require("@pulumi/pulumi/proto/language_grpc_pb") as Partial<PulumiInternals>;
  const settings = require("@pulumi/pulumi/runtime/settings") as Partial<PulumiInternals>;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const { LanguageServer } = server;
  const { LanguageRuntimeService } = proto;
  const { grpcChannelOptions } = settings;
  if (LanguageServer === undefined || LanguageRuntimeService === undefined || grpcChannelOptions === undefined) {
    throw new Error("@pulumi/pulumi no longer has the LanguageServer the reset serves its program with");
  }
  return { LanguageServer, LanguageRuntimeService, grpcChannelOptions };
}

/** Serves `program` (by default the stack's own, declared from `projectDir`) on a loopback port. */
export function hostProgram(
  projectDir: string,
  program: ProgramFn = () => Promise.resolve(eqmdMatrix(projectDir)),
): ProgramHost {
  const internals = pulumiInternals();
  let server: grpc.Server | undefined;
  let bound: Promise<string> | undefined;
  const sourceMaps = process.sourceMapsEnabled;
  return {
    address: () =>
      (bound ??= new Promise((resolve, reject) => {
        // The SDK takes a full stack trace for every resource and promise it makes; mapped
        // through tsx's source maps, that was 0.17 s of the 0.29 s the program itself took
        // (measured, docs/reset.md). Unmapped, the engine records source positions in the
        // transpiled code instead: metadata only, no diff and no step depend on it.
        process.setSourceMapsEnabled(false);
        server = new grpc.Server({ ...internals.grpcChannelOptions });
        server.addService(internals.LanguageRuntimeService, new internals.LanguageServer(program));
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
          err ? reject(err) : resolve(`127.0.0.1:${port}`),
        );
      })),
    close: () => {
      server?.forceShutdown();
      server = undefined;
      bound = undefined;
      process.setSourceMapsEnabled(sourceMaps);
    },
  };
}
