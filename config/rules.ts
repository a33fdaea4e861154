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
];

/** The problems the cross-key rules find among the keys that parsed. */
export function crossKeyIssues(v: Validated, stack: string): ConfigIssue[] {
  return RULES.filter((r) => !r.reads.some(v.failed))
    .map((r) => r.check(v, stack))
    .filter((i): i is ConfigIssue => i !== undefined);
}
