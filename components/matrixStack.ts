import * as pulumi from "@pulumi/pulumi";
import { LocalFiles, Settings, StackSecrets } from "../config";
import { AfterResetHooks } from "./afterResetHooks";
import { ElementWeb } from "./elementWeb";
import { MatrixAssets } from "./matrixAssets";
import { EnvFileSync } from "./envFileSync";
import { OidcClient, OidcClientArgs } from "./oidcClient";
import { RateLimitExemption } from "./rateLimitExemption";
import { Synapse, SynapseFile } from "./synapse";
import { SynapseAdmin } from "./synapseAdmin";
import { SynapseDatabase } from "./synapseDatabase";
import { SynapseSecrets } from "./synapseSecrets";
import { TYPE } from "./tokens";
import { Verification } from "./verification";
import {
  declareRedis,
  declareWorkers,
  metricsPortOf,
  ROUTER_WORKER_HEADER,
  routeChecks,
  routerUrl,
  workerFiles,
} from "./workerMode";
import { SYNAPSE_PORTS } from "../render/paths";
import { processHost } from "../config/workers";
import { SYNAPSE_PATHS } from "../render/paths";
import { renderElementConfigJson } from "../render/element";
import { renderHomeserverYaml, renderPgpass, renderSecretsYaml } from "../render/homeserver";
import { renderLogConfig } from "../render/logConfig";
import { renderSigningKey } from "../render/signingKey";

export interface MatrixStackArgs {
  /** Validated stack settings (config/): the one component that maps them to narrow args. */
  readonly settings: Settings;
  /** The local files the settings name (Synapse modules, Element's custom CSS). */
  readonly files: LocalFiles;
  /** Secret config values (PostgreSQL admin password, operator-managed OIDC client secret). */
  readonly secrets: StackSecrets;
  /** Docker network shared with eqmd's Django and PostgreSQL (created outside, never reset). */
  readonly network: pulumi.Input<string>;
  /** The images and the volumes a reset keeps (declared outside, beside the network). */
  readonly assets: MatrixAssets;
}

/**
 * The whole Matrix side of eqmd: the unit a reset destroys and rebuilds. Order falls out of
 * the dependencies: database, secrets and OIDC client → Synapse (started once, with its final
 * config) → admin, Element, verification → after-reset hooks → `.env`.
 */
export class MatrixStack extends pulumi.ComponentResource {
  public readonly synapseContainerName: pulumi.Output<string>;
  public readonly mediaVolumeName: pulumi.Output<string>;
  public readonly adminUserId: pulumi.Output<string>;
  public readonly adminToken: pulumi.Output<string>;
  /** The admin's password (secret): for password login where it is enabled (dev). */
  public readonly adminPassword: pulumi.Output<string>;
  public readonly oidcClientSecret?: pulumi.Output<string>;
  public readonly capturedValues: pulumi.Output<Record<string, string>>;
  /** eqmd's warning lines of the after-reset hooks' last runs (masked; not secret). */
  public readonly hookWarnings: pulumi.Output<string[]>;

  constructor(name: string, args: MatrixStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.MatrixStack, name, {}, opts);
    const s = args.settings;
    const child = { parent: this };

    const secrets = new SynapseSecrets(`${name}-secrets`, { workers: s.synapse.workers !== undefined }, child);
    // Worker mode (synapse.workers, components/workerMode.ts): Redis before every process.
    const workerAssets = args.assets.workers;
    if (secrets.workers && !workerAssets) throw new Error("worker mode needs its images and volume in MatrixAssets");
    const redis =
      secrets.workers && workerAssets
        ? declareRedis(name, s, secrets.workers.redisPassword, workerAssets, args.network, child)
        : undefined;
    const mainMetrics = metricsPortOf(s, "main");
    const database = new SynapseDatabase(
      `${name}-database`,
      { name: s.database.name, role: s.database.role, password: secrets.databasePassword },
      child,
    );
    const docker = s.dockerHost ? { dockerHost: s.dockerHost } : {};
    const oidc = s.oidc.enabled
      ? new OidcClient(`${name}-oidc-client`, oidcClientArgs(s, args.secrets), child)
      : undefined;

    const synapse = new Synapse(
      `${name}-synapse`,
      {
        image: args.assets.synapseImage,
        containerName: s.names.synapseContainer,
        mediaVolumeName: s.names.mediaVolume,
        mediaOwnerJobName: s.names.mediaInitContainer,
        config: { volume: args.assets.synapseConfig, jobName: s.names.configJobContainer },
        secrets: { volume: args.assets.synapseSecrets, jobName: s.names.secretsJobContainer },
        retainMedia: s.media.retainOnDelete,
        ...(s.synapse.fileLog
          ? { logs: { volumeName: s.names.logVolume, ownerJobName: s.names.logInitContainer } }
          : {}),
        uid: s.uid,
        gid: s.gid,
        // With workers the router takes Synapse's port and its alias.
        port: redis ? null : s.synapse.port,
        ...(redis ? { networkAliases: [processHost(s.names.synapseContainer)] } : {}),
        ...(mainMetrics ? { extraPorts: [{ port: mainMetrics, internal: SYNAPSE_PORTS.metrics }] } : {}),
        listenPort: s.synapse.listenPort,
        startTimeoutSeconds: s.synapse.startTimeoutSeconds,
        // Workers need the schema the main process migrates; alone, the admin step sees it ready.
        engineWaitsUntilHealthy: redis !== undefined,
        files: synapseFiles(s, args.files, secrets, oidc?.clientSecret),
        network: args.network,
        database: database.database,
        // Synapse up to 1.150 refuses to start when OIDC discovery fails: client first.
        startAfter: [database, ...(oidc ? [oidc] : []), ...(redis ? [redis] : [])],
        containerLogs: s.containerLogs,
        ...(s.synapse.memoryMb !== undefined ? { memoryMb: s.synapse.memoryMb } : {}),
      },
      child,
    );
    const workerMode =
      redis && workerAssets
        ? declareWorkers(name, s, synapse.shared, workerAssets.routerImage, args.network, database.database, {
            parent: this,
            dependsOn: [synapse, redis],
          })
        : undefined;
    const admin = new SynapseAdmin(
      `${name}-admin`,
      {
        exec: s.synapse.exec,
        ...docker,
        synapseUrl: s.synapse.internalUrl,
        username: s.admin.username,
        serverName: s.server.name,
        deadlineSeconds: s.synapse.startTimeoutSeconds,
        registrationSharedSecret: secrets.registrationSharedSecret,
        adminPassword: secrets.adminPassword,
        database: database.database,
        synapseContainer: s.names.synapseContainer,
      },
      { parent: this, dependsOn: [synapse] },
    );
    new ElementWeb(
      `${name}-element`,
      {
        image: args.assets.elementImage,
        containerName: s.names.elementContainer,
        webRoot: { volume: args.assets.elementWebRoot, jobName: s.names.elementConfigJobContainer },
        port: s.element.port,
        containerPort: s.element.containerPort,
        configJson: renderElementConfigJson(s),
        ...(args.files.elementCustomCss !== undefined ? { customCss: args.files.elementCustomCss } : {}),
        network: args.network,
        user: s.element.user,
        tmpfs: s.element.tmpfs,
        containerLogs: s.containerLogs,
        ...(s.element.memoryMb !== undefined ? { memoryMb: s.element.memoryMb } : {}),
      },
      // A static client, as in eqmd's compose (no depends_on): it starts beside Synapse, not
      // after it, which the real engine showed takes 2-3 s off every up and reset.
      { parent: this },
    );
    const verification = new Verification(
      `${name}-verification`,
      {
        exec: s.synapse.exec,
        ...docker,
        synapseUrl: s.synapse.internalUrl,
        ...(s.oidc.enabled ? { oidc: { idpId: s.oidc.idpId, issuer: s.oidc.issuer } } : {}),
        deadlineSeconds: s.synapse.startTimeoutSeconds,
        adminToken: admin.accessToken,
        adminUserId: admin.userId,
        synapseContainerId: synapse.container.id,
        synapseContainer: s.names.synapseContainer,
        ...(workerMode
          ? {
              workerRoutes: {
                routerUrl: routerUrl(s),
                header: ROUTER_WORKER_HEADER,
                checks: routeChecks(s),
                containerIds: [workerMode.router.container.id, ...workerMode.workers.containers.map((c) => c.id)],
              },
            }
          : {}),
      },
      { parent: this, dependsOn: [synapse, admin, ...(workerMode ? [workerMode.router] : [])] },
    );
    const hooks = new AfterResetHooks(
      `${name}-after-reset`,
      {
        hooks: s.afterReset,
        exec: s.django.exec,
        managePy: s.django.managePy,
        ...docker,
        adminToken: admin.accessToken,
      },
      { parent: this, dependsOn: [verification] },
    );
    if (s.synapse.rateLimitExempt) {
      // After the hooks: eqmd's bot exists then (setup_matrix_bot), and its token is captured.
      new RateLimitExemption(
        `${name}-rate-limits`,
        {
          exec: s.synapse.exec,
          ...docker,
          synapseUrl: s.synapse.internalUrl,
          deadlineSeconds: s.synapse.startTimeoutSeconds,
          adminToken: admin.accessToken,
          otherTokens: hooks.captured.apply((c) => [c[BOT_TOKEN_KEY] ?? ""]),
        },
        { parent: this, dependsOn: [hooks] },
      );
    }
    if (s.envFile) {
      new EnvFileSync(
        `${name}-env-file`,
        {
          path: s.envFile.path,
          recreateCommand: s.envFile.recreateCommand,
          ...docker,
          values: pulumi
            .all([admin.accessToken, oidc?.clientSecret ?? "", secrets.databasePassword, hooks.captured])
            .apply(([token, clientSecret, dbPassword, captured]) => ({
              SYNAPSE_ADMIN_TOKEN: token,
              ...(s.oidc.enabled
                ? { SYNAPSE_OIDC_CLIENT_SECRET: clientSecret, SYNAPSE_OIDC_PROVIDER_ID: s.oidc.providerId }
                : {}),
              MATRIX_DATABASE_PASSWORD: dbPassword,
              ...captured,
            })),
        },
        { parent: this, dependsOn: [hooks] },
      );
    }

    this.synapseContainerName = synapse.containerName;
    this.mediaVolumeName = synapse.mediaVolume.name;
    this.adminUserId = admin.userId;
    this.adminToken = admin.accessToken;
    this.adminPassword = secrets.adminPassword;
    if (oidc) this.oidcClientSecret = oidc.clientSecret;
    this.capturedValues = hooks.captured;
    this.hookWarnings = hooks.warnings;
    this.registerOutputs({
      synapseContainerName: this.synapseContainerName,
      mediaVolumeName: this.mediaVolumeName,
      adminUserId: this.adminUserId,
    });
  }
}

/** The key eqmd's setup_matrix_bot prints the bot's token under (captured by that hook). */
const BOT_TOKEN_KEY = "MATRIX_BOT_ACCESS_TOKEN";

/** The operator's client secret, or how eqmd's Django registers the client and prints one. */
function oidcClientArgs(s: Settings, secrets: StackSecrets): OidcClientArgs {
  if (s.oidc.clientSecretFrom === "config") {
    // The config check already requires it; this keeps a missing secret from running Django.
    if (!secrets.oidcClientSecret)
      throw new Error('oidcClientSecret is required when oidc.clientSecretFrom is "config"');
    return { configuredSecret: secrets.oidcClientSecret };
  }
  return {
    setup: {
      managePy: s.django.managePy,
      exec: s.django.exec,
      clientId: s.oidc.clientId,
      // eqmd registers https://<fqdn>/_synapse/client/oidc/callback; Synapse builds its
      // callback from public_baseurl, so the host must be public_baseurl's.
      matrixFqdn: new URL(s.server.publicBaseUrl).host,
      migrate: s.django.migrate,
      // What Synapse sends as redirect_uri; the OIDC step requires it registered exactly.
      callbackUri: new URL("_synapse/client/oidc/callback", s.server.publicBaseUrl).href,
    },
    ...(s.dockerHost ? { dockerHost: s.dockerHost } : {}),
  };
}

/** The files Synapse reads: the readable main config plus secret files readable by it alone. */
function synapseFiles(
  s: Settings,
  local: LocalFiles,
  secrets: SynapseSecrets,
  oidcClientSecret?: pulumi.Output<string>,
): SynapseFile[] {
  const files: SynapseFile[] = [
    { path: SYNAPSE_PATHS.homeserver, content: renderHomeserverYaml(s), secret: false },
    { path: SYNAPSE_PATHS.logConfig, content: renderLogConfig(s), secret: false },
    {
      path: SYNAPSE_PATHS.secrets,
      content: pulumi
        .all([
          secrets.registrationSharedSecret,
          secrets.macaroonSecretKey,
          secrets.formSecret,
          secrets.workers?.replicationSecret ?? "",
        ])
        .apply(([registrationSharedSecret, macaroonSecretKey, formSecret, replication]) =>
          renderSecretsYaml({
            registrationSharedSecret,
            macaroonSecretKey,
            formSecret,
            ...(secrets.workers ? { workerReplicationSecret: replication } : {}),
          }),
        ),
      secret: true,
    },
    {
      path: SYNAPSE_PATHS.signingKey,
      content: pulumi
        .all([secrets.signingKeyId, secrets.signingKeySeed])
        .apply(([id, seed]) => renderSigningKey(id, seed)),
      secret: true,
    },
    { path: SYNAPSE_PATHS.pgpass, content: secrets.databasePassword.apply((p) => renderPgpass(s, p)), secret: true },
  ];
  if (oidcClientSecret) {
    // Synapse strips only the trailing newline of client_secret_path.
    files.push({
      path: SYNAPSE_PATHS.oidcClientSecret,
      content: oidcClientSecret.apply((v) => `${v}\n`),
      secret: true,
    });
  }
  if (secrets.workers) files.push(...workerFiles(s, secrets.workers.redisPassword));
  for (const f of local.synapseModuleFiles) {
    files.push({ path: `${SYNAPSE_PATHS.modulesDir}/${f.name}`, content: f.content, secret: false });
  }
  return files;
}
