/** Component type tokens (`eqmd:matrix:<Name>`); the reset script finds MatrixStack by its token. */
export const TYPE = {
  MatrixStack: "eqmd:matrix:MatrixStack",
  MatrixAssets: "eqmd:matrix:MatrixAssets",
  SynapseDatabase: "eqmd:matrix:SynapseDatabase",
  SynapseSecrets: "eqmd:matrix:SynapseSecrets",
  OidcClient: "eqmd:matrix:OidcClient",
  Synapse: "eqmd:matrix:Synapse",
  ElementWeb: "eqmd:matrix:ElementWeb",
  SynapseAdmin: "eqmd:matrix:SynapseAdmin",
  Verification: "eqmd:matrix:Verification",
  AfterResetHooks: "eqmd:matrix:AfterResetHooks",
  RateLimitExemption: "eqmd:matrix:RateLimitExemption",
  EnvFileSync: "eqmd:matrix:EnvFileSync",
  ManagedPostgres: "eqmd:matrix:ManagedPostgres",
  Redis: "eqmd:matrix:Redis",
  SynapseWorkers: "eqmd:matrix:SynapseWorkers",
  WorkerRouter: "eqmd:matrix:WorkerRouter",
} as const;

/** Logical name of the top component; its URN is what a reset destroys. */
export const MATRIX_STACK_NAME = "matrix";

/** Logical name of the images and volumes a reset keeps (components/matrixAssets.ts). */
export const MATRIX_ASSETS_NAME = "matrix-assets";
