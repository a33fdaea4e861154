/**
 * Rules that span several keys or depend on the stack. Each runs only when the keys it reads
 * parsed, so a bad key is reported once, and never as a knock-on problem of another rule.
 */
import { serverUrls, synapseVersion } from "./defaults";
import { ConfigIssue } from "./errors";
import { isLoopback } from "./loopback";
import { Validated } from "./validate";
import { compareVersions } from "./version";
import { MIN_SYNAPSE_VERSION, MIN_WORKERS_SYNAPSE_VERSION } from "./versions";
import { WORKER_HOMESERVER_KEYS, workerContainerName, workerSpecs } from "./workers";
import { resourceNames } from "./names";

interface Rule {
  /** The keys the rule reads; it is skipped when one of them failed. */
  readonly reads: readonly string[];
  readonly check: (v: Validated, stack: string) => ConfigIssue | undefined;
}

const RULES: readonly Rule[] = [
  {
    reads: ["postgres.mode"],
    check: ({ config: c }, stack) =>
      c.postgres.mode === "managed" && !/^dev($|-)/.test(stack)
        ? {
            key: "postgres.mode",
            value: c.postgres.mode,
            expected: `"external" on stack "${stack}": the managed PostgreSQL container is for dev stacks (named "dev" or "dev-*") only`,
            fix: "pulumi config set --path postgres.mode external",
          }
        : undefined,
  },
  {
    reads: ["synapse.version", "synapse.image"],
    check: ({ config: c }) => {
      const version = synapseVersion(c);
      if (version === undefined) {
        return {
          key: "synapse.version",
          value: undefined,
          expected: `the Synapse version of image "${c.synapse.image}" (its tag is not v<MAJOR.MINOR.PATCH>)`,
          fix: "pulumi config set --path synapse.version 1.99.0",
        };
      }
      if (compareVersions(version, MIN_SYNAPSE_VERSION) >= 0) return undefined;
      return {
        key: c.synapse.version ? "synapse.version" : "synapse.image",
        value: c.synapse.version ?? c.synapse.image,
        expected: `Synapse ${MIN_SYNAPSE_VERSION} or newer (oidc_providers[].client_secret_path)`,
      };
    },
  },
  {
    reads: ["database.cpMin", "database.cpMax"],
    check: ({ config: c }) =>
      c.database.cpMin <= c.database.cpMax
        ? undefined
        : {
            key: "database.cpMax",
            value: c.database.cpMax,
            expected: `cpMin <= cpMax (cpMin is ${c.database.cpMin})`,
          },
  },
  {
    reads: ["oidc.enabled", "publicBaseUrl", "matrixFqdn", "eqmdDomain"],
    check: ({ config: c }) => {
      const { publicBaseUrl } = serverUrls(c);
      if (!c.oidc.enabled || publicBaseUrl.startsWith("https://") || isLoopback(new URL(publicBaseUrl).hostname)) {
        return undefined;
      }
      return {
        key: "publicBaseUrl",
        value: publicBaseUrl,
        expected:
          "an https:// URL while OIDC is enabled (Synapse's SSO cookies are Secure; plain http works only on localhost)",
      };
    },
  },
  {
    reads: ["oidc.enabled", "oidc.clientSecretFrom"],
    check: ({ config: c, secretsSet }) =>
      c.oidc.enabled && c.oidc.clientSecretFrom === "config" && !secretsSet.has("oidcClientSecret")
        ? {
            key: "oidcClientSecret",
            value: undefined,
            expected:
              'the client secret as a config secret when oidc.clientSecretFrom is "config"; it is required then',
            fix: "pulumi config set --secret oidcClientSecret <value>",
          }
        : undefined,
  },
  {
    reads: ["oidc.enabled", "synapse.passwordLogin"],
    check: ({ config: c }) =>
      !c.oidc.enabled && !c.synapse.passwordLogin
        ? {
            key: "synapse.passwordLogin",
            value: false,
            expected: "true when oidc.enabled is false: without SSO or passwords nobody could log in",
            fix: "pulumi config set --path synapse.passwordLogin true",
          }
        : undefined,
  },
  {
    reads: ["oidc.enabled", "afterReset"],
    check: ({ config: c }) =>
      c.afterReset.length > 0 && !c.oidc.enabled
        ? {
            key: "afterReset",
            value: c.afterReset.length,
            expected: "no hooks while oidc.enabled is false (they are eqmd's Django commands)",
            fix: "pulumi config rm afterReset",
          }
        : undefined,
  },
  {
    reads: ["synapse.port", "element.port", "postgres.mode", "postgres.port", "synapse.workers", "synapse.metrics"],
    check: ({ config: c }) => portCollision(publishedPorts(c)),
  },
  ...WORKER_RULES(),
];

/** The rules of `synapse.workers` and `synapse.metrics` (each silent when its key is absent). */
function WORKER_RULES(): Rule[] {
  return [
    {
      reads: ["synapse.workers", "synapse.version", "synapse.image"],
      check: ({ config: c }) => {
        const version = synapseVersion(c);
        if (!c.synapse.workers || version === undefined) return undefined;
        if (compareVersions(version, MIN_WORKERS_SYNAPSE_VERSION) >= 0) return undefined;
        return {
          key: "synapse.workers",
          value: c.synapse.workers,
          expected: `Synapse ${MIN_WORKERS_SYNAPSE_VERSION} or newer for workers (redis.password_path keeps Redis' password out of homeserver.yaml); synapse.image is Synapse ${version}`,
          fix: "pulumi config rm --path synapse.workers (or a newer synapse.image)",
        };
      },
    },
    {
      reads: ["synapse.workers"],
      check: ({ config: c }) =>
        c.synapse.workers && workerSpecs(c.synapse.workers).length === 0
          ? {
              key: "synapse.workers",
              value: c.synapse.workers,
              expected: "at least one worker (sync, client, media, background or eventPersisters)",
              fix: "pulumi config set --path synapse.workers.sync 1 (or pulumi config rm --path synapse.workers)",
            }
          : undefined,
    },
    {
      reads: ["synapse.workers", "containerPrefix"],
      check: ({ config: c }) => {
        if (!c.synapse.workers) return undefined;
        const main = resourceNames(c.containerPrefix).synapseContainer;
        const long = workerSpecs(c.synapse.workers)
          .map((w) => workerContainerName(main, w.name))
          .find((n) => n.length > DNS_LABEL_MAX);
        return long
          ? {
              key: "containerPrefix",
              value: c.containerPrefix,
              expected: `a shorter prefix: the worker container ${long} is longer than ${DNS_LABEL_MAX} characters, and the processes find each other by that name (one DNS label)`,
              fix: "pulumi config set containerPrefix eqmd",
            }
          : undefined;
      },
    },
    {
      reads: ["synapse.workers", "synapse.extraSettings"],
      check: ({ config: c }) => {
        const taken = c.synapse.workers ? WORKER_HOMESERVER_KEYS.filter((k) => k in c.synapse.extraSettings) : [];
        return taken.length > 0
          ? {
              key: `synapse.extraSettings.${taken[0]}`,
              value: c.synapse.extraSettings[taken[0]],
              expected: "no key the worker mode writes itself while synapse.workers is set",
              fix: `pulumi config rm --path synapse.extraSettings.${taken[0]}`,
            }
          : undefined;
      },
    },
    {
      reads: ["synapse.metrics"],
      check: ({ config: c }) => {
        const port = c.synapse.metrics?.port;
        if (port === undefined) return undefined;
        const ip = port.slice(0, port.lastIndexOf(":"));
        return isLoopback(ip.replace(/^\[|\]$/g, ""))
          ? undefined
          : {
              key: "synapse.metrics.port",
              value: port,
              expected:
                "a loopback address such as 127.0.0.1:19090: metrics tell who does what, they are never published",
              fix: `pulumi config set --path synapse.metrics.port 127.0.0.1:${port.slice(port.lastIndexOf(":") + 1)}`,
            };
      },
    },
    {
      reads: ["synapse.metrics", "synapse.workers"],
      check: ({ config: c }) => {
        const last = metricsPorts(c).at(-1);
        return last && last.port > 65535
          ? {
              key: "synapse.metrics.port",
              value: c.synapse.metrics?.port,
              expected: `a port low enough for every process: ${metricsPorts(c).length} processes need ports up to ${last.port}, above 65535`,
            }
          : undefined;
      },
    },
  ];
}

/** One DNS label: Docker's resolver answers a container name up to that length. */
const DNS_LABEL_MAX = 63;

interface Published {
  readonly key: string;
  readonly value: string;
  readonly ip: string;
  readonly port: number;
}

/** Every host address and port the stack publishes, with the key that sets it. */
function publishedPorts(c: Validated["config"]): Published[] {
  const out: Published[] = [];
  const add = (key: string, value: string | false) => {
    if (value === false) return;
    const at = value.lastIndexOf(":");
    out.push({ key, value, ip: value.slice(0, at), port: Number(value.slice(at + 1)) });
  };
  add("synapse.port", c.synapse.port);
  add("element.port", c.element.port);
  // The managed PostgreSQL publishes postgres.port on loopback (components/managedPostgres.ts).
  if (c.postgres.mode === "managed") add("postgres.port", `127.0.0.1:${c.postgres.port}`);
  for (const m of metricsPorts(c)) out.push(m);
  return out;
}

/** The metrics port of each Synapse process: main on synapse.metrics.port, then each worker. */
function metricsPorts(c: Validated["config"]): Published[] {
  const port = c.synapse.metrics?.port;
  if (port === undefined) return [];
  const at = port.lastIndexOf(":");
  const ip = port.slice(0, at);
  const first = Number(port.slice(at + 1));
  const names = ["main", ...(c.synapse.workers ? workerSpecs(c.synapse.workers).map((w) => w.name) : [])];
  return names.map((name, i) => ({
    key: "synapse.metrics.port",
    value: `${ip}:${first + i} (${name})`,
    ip,
    port: first + i,
  }));
}

const ANY_ADDRESS = new Set(["0.0.0.0", "[::]"]);

/** Two published ports that Docker could not both bind: same port, same address or a wildcard. */
function portCollision(ports: readonly Published[]): ConfigIssue | undefined {
  for (const [i, a] of ports.entries()) {
    const b = ports
      .slice(0, i)
      .find((p) => p.port === a.port && (p.ip === a.ip || ANY_ADDRESS.has(p.ip) || ANY_ADDRESS.has(a.ip)));
    if (b) {
      return {
        key: a.key,
        value: a.value,
        expected: `a host port that no other container of the stack publishes: ${b.key} already publishes ${b.value}`,
        fix: `pulumi config set --path ${a.key} ${a.ip}:${a.port + 1}`,
      };
    }
  }
  return undefined;
}

/** The problems the cross-key rules find among the keys that parsed. */
export function crossKeyIssues(v: Validated, stack: string): ConfigIssue[] {
  return RULES.filter((r) => !r.reads.some(v.failed))
    .map((r) => r.check(v, stack))
    .filter((i): i is ConfigIssue => i !== undefined);
}
