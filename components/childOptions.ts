import * as pulumi from "@pulumi/pulumi";

type DependsOn = pulumi.ResourceOptions["dependsOn"];

/**
 * Options for a component's children: parented to it, and waiting for whatever the component
 * itself was told to wait for (a component's dependsOn does not reach its children's
 * registrations, so Synapse's container would not otherwise wait for the database).
 */
export function childOptions(
  parent: pulumi.ComponentResource,
  opts: pulumi.ComponentResourceOptions | undefined,
  extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  const dependsOn = [...asList(opts?.dependsOn), ...asList(extra.dependsOn)];
  return { ...extra, parent, ...(dependsOn.length ? { dependsOn } : {}) };
}

function asList(d: DependsOn): pulumi.Input<pulumi.Resource>[] {
  if (d === undefined) return [];
  return Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}

/**
 * How a long-running container is replaced. Docker never applies a changed healthcheck to a
 * running container, so a change of it replaces the container; and its name is fixed, so the
 * old one must go first. Without `deleteBeforeReplace` a replacement the engine decides itself
 * (this `replaceOnChanges`) is create-before-delete, and Docker refuses the second container of
 * that name: seen on the real engine when synapse.startTimeoutSeconds (the probe's start period)
 * changed. Replacements the provider decides already delete first.
 */
export const SERVICE_REPLACEMENT = {
  replaceOnChanges: ["healthcheck"],
  deleteBeforeReplace: true,
} as const satisfies pulumi.CustomResourceOptions;
