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
