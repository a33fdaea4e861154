/**
 * eqmd-matrix: the Matrix side of EquipeMed as one Pulumi declaration.
 * Config → validated settings → providers (+ dev-only PostgreSQL) → MatrixStack → outputs.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { loadConfig } from "./config";
import { ManagedPostgres } from "./components/managedPostgres";
import { MatrixStack } from "./components/matrixStack";
import { dockerProvider, postgresqlProvider } from "./components/providers";
import { MATRIX_STACK_NAME } from "./components/tokens";

const projectDir = __dirname;
const { settings: s, files, secrets } = loadConfig(projectDir);

const dockerEngine = dockerProvider(s.dockerHost);

// Outside MatrixStack (a reset never touches them): the shared network and dev's PostgreSQL.
const network: pulumi.Input<string> = s.network.create
  ? new docker.Network(
      "network",
      { name: s.network.name, attachable: true },
      { provider: dockerEngine, deleteBeforeReplace: true },
    ).name
  : s.network.name;

let adminPassword = secrets.postgresAdminPassword;
let managed: ManagedPostgres | undefined;
if (s.postgres.mode === "managed") {
  adminPassword ??= pulumi.secret(
    new random.RandomPassword(
      "dev-postgres-password",
      { length: 32, special: false },
      { additionalSecretOutputs: ["result"] },
    ).result,
  );
  managed = new ManagedPostgres(
    "dev-postgres",
    {
      image: s.postgres.image,
      containerName: s.names.postgresContainer,
      dataVolumeName: s.names.postgresDataVolume,
      adminUser: s.postgres.adminUser,
      hostPort: s.postgres.port,
      password: adminPassword,
      network,
    },
    { providers: [dockerEngine] },
  );
}

const matrix = new MatrixStack(
  MATRIX_STACK_NAME,
  { settings: s, files, secrets, network },
  { providers: [dockerEngine, postgresqlProvider(s.postgres, adminPassword, managed?.container)] },
);

export const matrixStackUrn = matrix.urn;
export const serverName = s.server.name;
export const publicBaseUrl = s.server.publicBaseUrl;
export const synapseContainerName = matrix.synapseContainerName;
export const elementContainerName = s.names.elementContainer;
export const mediaVolumeName = matrix.mediaVolumeName;
export const synapseImage = s.synapse.image;
export const synapseAdminUserId = matrix.adminUserId;
export const synapseAdminToken = matrix.adminToken;
export const synapseAdminPassword = matrix.adminPassword;
// Managed (dev) mode generates the PostgreSQL password; `npm run reset -- --backup` needs it.
export const postgresAdminPassword = managed ? adminPassword : undefined;
export const oidcIdpId = s.oidc.enabled ? s.oidc.idpId : "";
export const oidcClientSecret = matrix.oidcClientSecret;
export const afterResetValues = matrix.capturedValues;
