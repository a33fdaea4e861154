import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

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
