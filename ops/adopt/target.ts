/**
 * What the stack declares for the objects an adopt takes over, read from its config by the
 * program's own settings builder (config/), so the adopt and `pulumi up` never disagree.
 */
import { buildSettings } from "../../config/settings";
import { ConfigError } from "../../config/errors";
import { configInput, StackConfigEntry } from "../../config/stackValues";
import { SYNAPSE_DATABASE_LOCALE } from "../../components/synapseDatabase";

export const POSTGRES_PASSWORD_KEY = "postgresAdminPassword";

export interface AdoptTarget {
  readonly stack: string;
  /** Synapse's server_name: the users already in the database must belong to it. */
  readonly serverName: string;
  readonly database: {
    readonly name: string;
    readonly role: string;
    readonly encoding: string;
    readonly lcCollate: string;
    readonly lcCtype: string;
  };
  /** The admin connection the program's postgresql provider uses. */
  readonly postgres: {
    readonly host: string;
    readonly port: number;
    readonly adminUser: string;
    readonly adminDatabase: string;
    readonly sslmode: string;
    /** Secret config value; reaches psql only as PGPASSWORD. */
    readonly password?: string;
  };
  readonly mediaVolume: string;
  readonly synapseContainer: string;
  readonly elementContainer: string;
  readonly dockerHost?: string;
}

export type TargetResult =
  { readonly ok: true; readonly target: AdoptTarget } | { readonly ok: false; readonly reason: string };

/** Builds the target, or says why this stack's config cannot be adopted into. */
export function targetFrom(
  stack: string,
  config: Readonly<Record<string, { readonly value: string; readonly secret?: boolean }>>,
): TargetResult {
  const entries: Record<string, StackConfigEntry> = {};
  for (const [key, entry] of Object.entries(config))
    entries[key] = { value: entry.value, secret: entry.secret === true };
  const input = configInput(stack, entries);
  let s;
  try {
    s = buildSettings(input);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      ok: false,
      reason: `its config is invalid (\`pulumi preview --stack ${stack}\` says the same):\n${err.message}`,
    };
  }
  if (s.postgres.mode === "managed") {
    return {
      ok: false,
      reason:
        'postgres.mode is "managed": this stack runs its own PostgreSQL container, so there is no hand-built' +
        ' database to adopt. Adopt is for a host where eqmd\'s PostgreSQL already holds matrix_db (postgres.mode "external").',
    };
  }
  const password = input.values[POSTGRES_PASSWORD_KEY];
  return {
    ok: true,
    target: {
      stack,
      serverName: s.server.name,
      database: {
        name: s.database.name,
        role: s.database.role,
        encoding: SYNAPSE_DATABASE_LOCALE.encoding,
        lcCollate: SYNAPSE_DATABASE_LOCALE.lcCollate,
        lcCtype: SYNAPSE_DATABASE_LOCALE.lcCtype,
      },
      postgres: {
        host: s.postgres.host,
        port: s.postgres.port,
        adminUser: s.postgres.adminUser,
        adminDatabase: s.postgres.adminDatabase,
        sslmode: s.postgres.sslmode,
        ...(typeof password === "string" && password !== "" ? { password } : {}),
      },
      mediaVolume: s.names.mediaVolume,
      synapseContainer: s.names.synapseContainer,
      elementContainer: s.names.elementContainer,
      ...(s.dockerHost !== undefined ? { dockerHost: s.dockerHost } : {}),
    },
  };
}
