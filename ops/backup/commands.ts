/**
 * The commands a backup runs. Connection details go in argv; the PostgreSQL password only in
 * the environment (PGPASSWORD), never in argv (visible in `ps`).
 */
import { dockerEnv } from "../../components/dockerEnv";
import { SYNAPSE_PATHS } from "../../render/paths";
import { ResetFacts } from "../reset/facts";
import { CommandSpec } from "../reset/types";

/** libpq's environment: the admin password (when known) and the sslmode. */
export function pgEnv(facts: ResetFacts): Record<string, string> {
  const env: Record<string, string> = { PGSSLMODE: facts.postgres.sslmode, PGCONNECT_TIMEOUT: "10" };
  if (facts.postgres.password !== undefined) env["PGPASSWORD"] = facts.postgres.password;
  return env;
}

/** -h -p -U of the admin connection. */
export function pgConnection(facts: ResetFacts): string[] {
  return ["-h", facts.postgres.host, "-p", String(facts.postgres.port), "-U", facts.postgres.adminUser];
}

/** pg_dump in custom format (consistent by itself: one snapshot), connecting as the admin user. */
export function pgDumpCommand(facts: ResetFacts, file: string): CommandSpec {
  return {
    argv: ["pg_dump", ...pgConnection(facts), "-d", facts.database.name, "-Fc", "-f", file],
    env: pgEnv(facts),
  };
}

/** One SQL statement through psql, unaligned output, stopping on the first error. */
export function psqlCommand(facts: ResetFacts, database: string, sql: string): CommandSpec {
  return {
    argv: ["psql", ...pgConnection(facts), "-d", database, "-tAX", "-v", "ON_ERROR_STOP=1", "-c", sql],
    env: pgEnv(facts),
  };
}

/** The database's schema version and compat version, as "<version>|<compat>". */
export const SCHEMA_SQL =
  "SELECT (SELECT version FROM schema_version), (SELECT compat_version FROM schema_compat_version)";

/** `docker cp <container>:/data/media_store -` writes a tar to stdout; works on remote hosts too. */
export function mediaArchiveCommand(facts: ResetFacts, file: string): CommandSpec {
  return {
    argv: ["docker", "cp", `${facts.synapseContainer}:${SYNAPSE_PATHS.mediaStore}`, "-"],
    env: dockerEnv(facts),
    stdoutFile: file,
  };
}

/** The signing key file as a one-file tar (docker cp reads it as the daemon, whatever its mode). */
export function signingKeyCommand(facts: ResetFacts, tarFile: string): CommandSpec {
  return {
    argv: ["docker", "cp", `${facts.synapseContainer}:${SYNAPSE_PATHS.signingKey}`, "-"],
    env: dockerEnv(facts),
    stdoutFile: tarFile,
  };
}

/** Synapse's version and the SCHEMA_VERSION its code runs, as "<version> <schema>". */
export function synapseVersionCommand(facts: ResetFacts): CommandSpec {
  return {
    argv: [
      "docker",
      "exec",
      facts.synapseContainer,
      "python3",
      "-c",
      "import synapse; from synapse.storage.schema import SCHEMA_VERSION; print(synapse.__version__, SCHEMA_VERSION)",
    ],
    env: dockerEnv(facts),
  };
}
