/**
 * Rules that span several keys or depend on the stack. Each runs only when the keys it reads
 * parsed, so a bad key is reported once, and never as a knock-on problem of another rule.
 */
import { serverUrls, synapseVersion } from "./defaults";
import { ConfigIssue } from "./errors";
import { isLoopback } from "./loopback";
import { Validated } from "./validate";
import { compareVersions } from "./version";
import { MIN_SYNAPSE_VERSION } from "./versions";

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
    reads: ["synapse.port", "element.port", "postgres.mode", "postgres.port"],
    check: ({ config: c }) => portCollision(publishedPorts(c)),
  },
];

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
  return out;
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
