import * as pulumi from "@pulumi/pulumi";
import { shellJoin } from "./commands/exec";
import { secretCommand, secretJson } from "./secretCommand";
import { childOptions } from "./childOptions";
import { dockerEnv } from "./dockerEnv";
import { TYPE } from "./tokens";

export interface EnvFileSyncArgs {
  /** Path of eqmd's `.env` on the Pulumi host (relative to the project directory or absolute). */
  readonly path: string;
  /** Command that recreates the Django containers (they read `.env` only at creation). */
  readonly recreateCommand: readonly string[];
  /** KEY → value to upsert (secret). */
  readonly values: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Docker engine the recreate command talks to (the stack's `dockerHost`). */
  readonly dockerHost?: string;
}

/**
 * Hands the generated secrets back to eqmd: upserts them into its `.env` (other lines, comments
 * and the file mode kept; atomic write; one backup), then optionally recreates Django's
 * containers so they read the new values. Values travel on stdin, never in argv.
 */
export class EnvFileSync extends pulumi.ComponentResource {
  constructor(name: string, args: EnvFileSyncArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.EnvFileSync, name, {}, opts);
    // Relative to the project directory (the command's default `dir`), so the declaration is
    // the same from every checkout; the recreate runs only when the file really changed.
    const then = args.recreateCommand.length ? ["--", ...args.recreateCommand] : [];
    secretCommand(
      `${name}-write`,
      {
        create: shellJoin(["node", "--import", "tsx", "ops/env-upsert.ts", args.path, ...then]),
        stdin: secretJson(args.values),
        environment: dockerEnv(args),
      },
      childOptions(this, opts),
    );
    this.registerOutputs({});
  }
}
