/**
 * Validated config → the settings every other module reads (their shape: settingsTypes.ts):
 * each default that follows from other keys computed once (the ones rules.ts reads too are in
 * defaults.ts). Pure: reads no file (see files.ts) and no Pulumi.
 */
import { serverUrls, synapseVersion } from "./defaults";
import { resourceNames } from "./names";
import { ParsedConfig, PROVISIONING_COMMANDS } from "./schema";
import type { ExecTarget, PublishedPort, Settings, WorkersSettings } from "./settingsTypes";
import { workerSpecs } from "./workers";

export function deriveSettings(c: ParsedConfig, stack: string): Settings {
  const names = resourceNames(c.containerPrefix);
  const urls = serverUrls(c);
  const managed = c.postgres.mode === "managed";
  const synapseExec: ExecTarget = c.synapse.exec ?? dockerExec(names.synapseContainer);
  const synapsePort = toPort(c.synapse.port);
  return {
    stack,
    names,
    server: {
      name: urls.serverName,
      publicBaseUrl: urls.publicBaseUrl,
      chatFqdn: urls.chatFqdn,
      eqmdDomain: c.eqmdDomain,
      hospitalEmail: c.hospitalEmail,
    },
    uid: c.uid,
    gid: c.gid,
    synapse: {
      image: c.synapse.image,
      version: synapseVersion(c) ?? "0.0.0",
      port: synapsePort,
      listenPort: c.synapse.listenPort,
      // Inside its container Synapse must listen on every interface of the container (the
      // network alias and the published port reach it there); the container is private.
      bindAddresses: c.synapse.bindAddresses ?? ["0.0.0.0"],
      startTimeoutSeconds: c.synapse.startTimeoutSeconds,
      passwordLogin: c.synapse.passwordLogin,
      rateLimitExempt: c.synapse.rateLimitExempt,
      exec: synapseExec,
      internalUrl: c.synapse.internalUrl ?? internalUrl(synapseExec, synapsePort, c.synapse.listenPort),
      extraSettings: c.synapse.extraSettings,
      modules: c.synapse.modules,
      ...(c.synapse.fileLog !== undefined ? { fileLog: c.synapse.fileLog } : {}),
      ...(c.synapse.memoryMb !== undefined ? { memoryMb: c.synapse.memoryMb } : {}),
      ...(c.synapse.workers !== undefined ? { workers: workersSettings(c) } : {}),
      ...(c.synapse.metrics !== undefined ? { metrics: toPort(c.synapse.metrics.port) ?? undefined } : {}),
    },
    element: {
      image: c.element.image,
      port: toPort(c.element.port),
      containerPort: c.element.containerPort,
      brand: c.element.brand,
      publicUrl: urls.elementPublicUrl,
      ...(c.element.customCssFile !== undefined ? { customCssFile: c.element.customCssFile } : {}),
      messagePinning: c.element.messagePinning,
      showPresence: c.element.showPresence,
      termsLinks: c.element.termsLinks,
      ...(c.element.homeUrl !== undefined ? { homeUrl: c.element.homeUrl } : {}),
      user: c.element.user,
      tmpfs: c.element.tmpfs,
      ...(c.element.memoryMb !== undefined ? { memoryMb: c.element.memoryMb } : {}),
    },
    network: c.network,
    ...(c.dockerHost ? { dockerHost: c.dockerHost } : {}),
    postgres: {
      ...c.postgres,
      // Managed mode: Synapse reaches the dev container by name on the shared network.
      synapseHost: managed ? names.postgresContainer : c.postgres.synapseHost,
      synapsePort: managed ? 5432 : c.postgres.synapsePort,
    },
    database: c.database,
    oidc: { ...c.oidc, issuer: urls.issuer, idpId: `oidc-${c.oidc.providerId}` },
    django: {
      exec: c.django.exec ?? dockerExec(names.djangoContainer),
      managePy: c.django.managePy,
      migrate: c.django.migrate,
    },
    admin: { username: c.admin.username, userId: `@${c.admin.username}:${urls.serverName}` },
    media: c.media,
    ...(c.envFile ? { envFile: c.envFile } : {}),
    afterReset: c.afterReset.map(({ checkLocalparts, ...hook }) => ({
      ...hook,
      checkLocalparts: checkLocalparts ?? PROVISIONING_COMMANDS.includes(hook.command?.[0] ?? ""),
    })),
    reset: c.reset,
    containerLogs: c.containerLogs,
  };
}

function dockerExec(container: string): ExecTarget {
  return { command: ["docker", "exec", "-i"], container };
}

/**
 * Synapse as the admin bootstrap and the verification see it: from inside its container,
 * localhost; from this host (an empty exec prefix), the published port, else the listener.
 */
function internalUrl(exec: ExecTarget, published: PublishedPort | null, listenPort: number): string {
  if (exec.command.length > 0) return `http://localhost:${listenPort}`;
  return published ? `http://${published.ip}:${published.port}` : `http://127.0.0.1:${listenPort}`;
}

function toPort(value: string | false): PublishedPort | null {
  if (value === false) return null;
  const at = value.lastIndexOf(":");
  return { ip: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

function workersSettings(c: ParsedConfig): WorkersSettings {
  const w = c.synapse.workers!;
  const limit = (memoryMb: number | undefined) => (memoryMb !== undefined ? { memoryMb } : {});
  return {
    list: workerSpecs(w),
    ...limit(w.memoryMb),
    redis: { image: c.redis.image, ...limit(c.redis.memoryMb) },
    router: { image: c.router.image, ...limit(c.router.memoryMb) },
  };
}
