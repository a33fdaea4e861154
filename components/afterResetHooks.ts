import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { AfterResetHook, ExecTarget } from "../config";
import { execArgv, execLine, shellJoin, withheldOnFailure } from "./commands/exec";
import { describeWarnings, findWarnings } from "./commands/hookWarnings";
import { parseKeyValueLines } from "./commands/parse";
import { shellLoaderArgs, shellScript, ShellScriptName } from "./commands/pythonScripts";
import { secretCommand } from "./secretCommand";
import { childOptions } from "./childOptions";
import { dockerEnv } from "./dockerEnv";
import { TYPE } from "./tokens";

export interface AfterResetHooksArgs {
  /** eqmd's management commands and the program's own steps, in order (afterReset). */
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
 * e.g. `setup_matrix_bot` (prints MATRIX_BOT_ACCESS_TOKEN=…), the program's `clearStaleRooms`,
 * `matrix_provision_rooms`. Values a hook prints as KEY=VALUE and that are listed in its
 * `capture` become secret outputs and are handed to the hooks after it. eqmd's warning lines
 * ("Invite skipped for …") are shown in the `up` output, masked, and fail a hook marked
 * `failOnWarnings`. A disabled hook declares nothing (and keeps the others' names).
 */
export class AfterResetHooks extends pulumi.ComponentResource {
  /** Every captured KEY → value (secret). */
  public readonly captured: pulumi.Output<Record<string, string>>;
  /** eqmd's warning lines of the hooks' last runs, masked: "<what>: <line>". */
  public readonly warnings: pulumi.Output<string[]>;

  constructor(name: string, args: AfterResetHooksArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.AfterResetHooks, name, {}, opts);
    let captured: pulumi.Output<Record<string, string>> = pulumi.secret(pulumi.output<Record<string, string>>({}));
    const warnings: pulumi.Output<string[]>[] = [];
    let previous: command.local.Command | undefined;
    // Names are known from config, so the command line stays readable (values go via env).
    const passed: string[] = ["SYNAPSE_ADMIN_TOKEN"];
    for (const { id, hook, before } of steps(args.hooks)) {
      const known = captured;
      const what = describeHook(hook);
      const envNames = [...passed].sort();
      const step = secretCommand(
        `${name}-${id}`,
        {
          create: hookScript(args, hook, envNames, what),
          // The check runs again whenever the hook it guards is changed (same environment too).
          ...(before ? { triggers: [hookScript(args, before, envNames, describeHook(before))] } : {}),
          // A builtin's code goes on stdin (marked secret so a diff does not print the source).
          ...(hook.builtin ? { stdin: pulumi.secret(shellScript(BUILTIN_SCRIPTS[hook.builtin])) } : {}),
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
      warnings.push(this.reportWarnings(what, step.stdout, args.adminToken, captured));
      passed.push(...hook.capture.filter((k) => !passed.includes(k)));
      previous = step;
    }
    this.captured = captured;
    this.warnings = pulumi.all(warnings).apply((lists) => lists.flat());
    this.registerOutputs({ warnings: this.warnings });
  }

  /**
   * eqmd's warning lines of one hook, masked (every secret the hooks see, every token-shaped
   * text), logged as a warning on this component and returned as plain text: after masking
   * they carry no secret. On a preview of a new hook the output is unknown: nothing to show.
   */
  private reportWarnings(
    what: string,
    stdout: pulumi.Output<string>,
    adminToken: pulumi.Input<string>,
    captured: pulumi.Output<Record<string, string>>,
  ): pulumi.Output<string[]> {
    const lines = pulumi.all([stdout, adminToken, captured]).apply(([out, token, values]) => {
      const found = findWarnings(out, [token, ...Object.values(values)]);
      if (found.length > 0) void pulumi.log.warn(describeWarnings(what, found), this);
      return found.map((line) => `${what}: ${line}`);
    });
    return pulumi.unsecret(lines);
  }
}

/** The `manage.py shell` script of each builtin step (components/commands/scripts/). */
export const BUILTIN_SCRIPTS: Record<NonNullable<AfterResetHook["builtin"]>, ShellScriptName> = {
  clearStaleRooms: "clear_stale_rooms",
  checkLocalparts: "check_localparts",
};

/** The check run before a hook marked `checkLocalparts` (an eqmd command that creates accounts). */
const LOCALPART_CHECK: AfterResetHook = {
  builtin: "checkLocalparts",
  capture: [],
  failOnWarnings: false,
  checkLocalparts: false,
  enabled: true,
};

/**
 * The steps in order, each with its resource name: a hook keeps its place in the config in
 * its name (switching one on renames no other), and the localpart check before hook `i` is
 * `<i>-checkLocalparts`. Disabled hooks declare nothing.
 */
function steps(hooks: readonly AfterResetHook[]): Step[] {
  return hooks.flatMap((hook, i) => {
    if (!hook.enabled) return [];
    const own = { id: `${i}-${hook.command?.[0] ?? hook.builtin}`, hook };
    return hook.checkLocalparts ? [{ id: `${i}-checkLocalparts`, hook: LOCALPART_CHECK, before: hook }, own] : [own];
  });
}

interface Step {
  /** The resource name after the component's: "<config index>-<command or builtin>". */
  readonly id: string;
  readonly hook: AfterResetHook;
  /** For the localpart check: the hook it guards (it reruns whenever that one's command changes). */
  readonly before?: AfterResetHook;
}

/** How the hook is named in messages: "manage.py setup_matrix_bot", "clearStaleRooms". */
function describeHook(hook: AfterResetHook): string {
  return hook.command ? `manage.py ${hook.command.join(" ")}` : `${hook.builtin} (manage.py shell)`;
}

/** The /bin/sh script of one hook; its stdout is withheld when it fails (it may carry secrets). */
function hookScript(args: AfterResetHooksArgs, hook: AfterResetHook, envNames: string[], what: string): string {
  const argv = hook.command ?? shellLoaderArgs(BUILTIN_SCRIPTS[hook.builtin ?? "clearStaleRooms"]);
  const run = [...args.managePy, ...argv];
  if (!hook.failOnWarnings) return withheldOnFailure(execLine(args.exec, run, envNames), what);
  // Relative to the project directory (the command's default `dir`), as the .env write.
  return shellJoin([
    "node",
    "--import",
    "tsx",
    "ops/hook-run.ts",
    "--what",
    what,
    "--mask-env",
    envNames.join(","),
    "--",
    ...execArgv(args.exec, run, envNames),
  ]);
}
