import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
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
  /** Project directory, where `scripts/env-upsert.ts` lives. */
  readonly projectDir: string;
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
    const upsert = shellJoin([
      "node",
      "--import",
      "tsx",
      path.join(args.projectDir, "scripts", "env-upsert.ts"),
      args.path,
    ]);
    const recreate = args.recreateCommand.length ? ` && ${shellJoin(args.recreateCommand)}` : "";
    secretCommand(
      `${name}-write`,
      { create: upsert + recreate, stdin: secretJson(args.values), dir: args.projectDir, environment: dockerEnv(args) },
      childOptions(this, opts),
    );
    this.registerOutputs({});
  }
}
