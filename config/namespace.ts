/** The stack config namespace; the project (Pulumi.yaml `name`) is named alike. */
export const CONFIG_NAMESPACE = "eqmd-matrix";
