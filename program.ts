/**
 * The whole declaration: config → validated settings → providers (+ dev-only PostgreSQL, the
 * images and volumes a reset keeps) → MatrixStack → outputs. A function, not a module body, so
 * that the reset can load it before it stops Synapse and run it in its own process (ops/reset/
 * programHost.ts); `pulumi up` runs it through index.ts.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { loadConfig } from "./config";
import { ManagedPostgres } from "./components/managedPostgres";
import { MatrixAssets } from "./components/matrixAssets";
import { MatrixStack } from "./components/matrixStack";
import { dockerProvider, postgresqlProvider } from "./components/providers";
import { MATRIX_ASSETS_NAME, MATRIX_STACK_NAME } from "./components/tokens";

/** Declares every resource of the stack in the running Pulumi program; returns the stack outputs. */
export function eqmdMatrix(projectDir: string): Record<string, unknown> {
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
        containerLogs: s.containerLogs,
        ...(s.postgres.memoryMb !== undefined ? { memoryMb: s.postgres.memoryMb } : {}),
      },
      { providers: [dockerEngine] },
    );
  }

  // Outside MatrixStack too: what the reset's `up` would rebuild the same (see the component).
  const assets = new MatrixAssets(
    MATRIX_ASSETS_NAME,
    {
      synapseImage: s.synapse.image,
      elementImage: s.element.image,
      synapseConfigVolume: s.names.configVolume,
      synapseSecretsVolume: s.names.secretsVolume,
      elementWebRootVolume: s.names.elementWebRootVolume,
      ...(s.synapse.workers
        ? {
            workers: {
              redisImage: s.synapse.workers.redis.image,
              routerImage: s.synapse.workers.router.image,
              redisSecretsVolume: s.names.redisSecretsVolume,
            },
          }
        : {}),
    },
    { providers: [dockerEngine] },
  );

  const matrix = new MatrixStack(
    MATRIX_STACK_NAME,
    { settings: s, files, secrets, network, assets },
    { providers: [dockerEngine, postgresqlProvider(s.postgres, adminPassword, managed?.container)] },
  );

  const outputs = {
    matrixStackUrn: matrix.urn,
    serverName: s.server.name,
    publicBaseUrl: s.server.publicBaseUrl,
    synapseContainerName: matrix.synapseContainerName,
    elementContainerName: s.names.elementContainer,
    mediaVolumeName: matrix.mediaVolumeName,
    synapseImage: s.synapse.image,
    synapseAdminUserId: matrix.adminUserId,
    synapseAdminToken: matrix.adminToken,
    synapseAdminPassword: matrix.adminPassword,
    // Managed (dev) mode generates the PostgreSQL password; `npm run reset -- --backup` needs it.
    postgresAdminPassword: managed ? adminPassword : undefined,
    oidcIdpId: s.oidc.enabled ? s.oidc.idpId : "",
    oidcClientSecret: matrix.oidcClientSecret,
    afterResetValues: matrix.capturedValues,
    // eqmd's commands exit 0 when invites or rooms failed; their warning lines, masked.
    afterResetWarnings: matrix.hookWarnings,
  };

  // An output that does not apply to this stack (dev has no OIDC secret, prod no generated
  // PostgreSQL password) is left out: the engine warns on every `up` about an undefined export.
  return Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));
}
