import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { AfterResetHook, ExecTarget } from "../config";
import { execLine, withheldOnFailure } from "./commands/exec";
import { parseKeyValueLines } from "./commands/parse";
import { secretCommand } from "./secretCommand";
import { childOptions } from "./childOptions";
import { dockerEnv } from "./dockerEnv";
import { TYPE } from "./tokens";

export interface AfterResetHooksArgs {
  /** eqmd's management commands, in order (afterReset). */
  readonly hooks: readonly AfterResetHook[];
  /** Where Django's manage.py runs (django.exec). */
  readonly exec: ExecTarget;
  /** How manage.py is invoked there (django.managePy), e.g. ["python", "manage.py"]. */
  readonly managePy: readonly string[];
  /** Docker engine the exec prefix talks to (the stack's `dockerHost`). */
  readonly dockerHost?: string;
  /** Handed to every hook as SYNAPSE_ADMIN_TOKEN (eqmd's commands read it from the env). */
  readonly adminToken: pulumi.Input<string>;
}

/** Name of the non-secret variable that tells a hook (and the test mocks) what it must print. */
export const CAPTURE_KEYS_ENV = "EQMD_MATRIX_CAPTURE_KEYS";

/**
 * eqmd's Django management commands that must run after Synapse is (re)built, in order:
 * e.g. `setup_matrix_bot` (prints MATRIX_BOT_ACCESS_TOKEN=…), `matrix_provision_rooms`,
 * `matrix_sync_lifecycle`. Values a hook prints as KEY=VALUE and that are listed in its
 * `capture` become secret outputs and are handed to the hooks after it.
 */
export class AfterResetHooks extends pulumi.ComponentResource {
  /** Every captured KEY → value (secret). */
  public readonly captured: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AfterResetHooksArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.AfterResetHooks, name, {}, opts);
    let captured: pulumi.Output<Record<string, string>> = pulumi.secret(pulumi.output<Record<string, string>>({}));
    let previous: command.local.Command | undefined;
    // Names are known from config, so the command line stays readable (values go via env).
    const passed: string[] = ["SYNAPSE_ADMIN_TOKEN"];
    args.hooks.forEach((hook, i) => {
      const known = captured;
      const step = secretCommand(
        `${name}-${i}-${hook.command[0]}`,
        {
          create: withheldOnFailure(
            execLine(args.exec, [...args.managePy, ...hook.command], [...passed].sort()),
            `manage.py ${hook.command.join(" ")}`,
          ),
          environment: pulumi.secret(
            pulumi.all([known, args.adminToken]).apply(([values, token]) => ({
              ...dockerEnv(args),
              ...values,
              SYNAPSE_ADMIN_TOKEN: token,
              [CAPTURE_KEYS_ENV]: hook.capture.join(","),
            })),
          ),
        },
        childOptions(this, opts, previous ? { dependsOn: [previous] } : {}),
      );
      captured = pulumi.secret(
        pulumi.all([known, step.stdout]).apply(([values, stdout]): Record<string, string> => ({
          ...values,
          ...parseKeyValueLines(stdout, hook.capture),
        })),
      );
      passed.push(...hook.capture.filter((k) => !passed.includes(k)));
      previous = step;
    });
    this.captured = captured;
    this.registerOutputs({});
  }
}
