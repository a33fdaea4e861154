import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ExecTarget } from "../config";
import { withContainerStateOnFailure } from "./commands/exec";
import { ScriptName, scriptCommand, scriptStdinFields } from "./commands/pythonScripts";

/**
 * A local command that sees secrets: its output is secret and nothing it prints reaches the
 * Pulumi log (pulumi-command streams output live unless logging is "none").
 */
export function secretCommand(
  name: string,
  args: Omit<command.local.CommandArgs, "logging">,
  opts: pulumi.CustomResourceOptions,
): command.local.Command {
  return new command.local.Command(
    name,
    { ...args, logging: "none" },
    { ...opts, additionalSecretOutputs: ["stdout", "stderr"] },
  );
}

/** Compact JSON for a command's stdin, always a secret (it carries credentials). */
export function secretJson(value: pulumi.Input<Record<string, pulumi.Input<unknown>>>): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(value).apply((v) => JSON.stringify(v)));
}

/**
 * `create` and `stdin` of a command running one of the program's Python scripts through `exec`:
 * a short loader line, and the source with the script's input on stdin (secret).
 */
export function scriptRun(
  name: ScriptName,
  exec: ExecTarget,
  input: Record<string, pulumi.Input<unknown>>,
  envNames: readonly string[] = [],
): { create: string; stdin: pulumi.Output<string> } {
  return { create: scriptCommand(name, exec, envNames), stdin: secretJson(scriptStdinFields(name, input)) };
}

/** A script run that, when it fails, also reports the state of Synapse's container. */
export function reportingSynapse<T extends { create: string }>(container: string, run: T): T {
  return { ...run, create: withContainerStateOnFailure(run.create, container) };
}
