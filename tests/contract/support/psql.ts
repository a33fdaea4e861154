/**
 * SQL against the contract's own PostgreSQL cluster (127.0.0.1:54329, created by
 * testbed/setup/contract-setup.sh with trust for loopback TCP) as `postgres`, through the psql CLI.
 */
import { runCommand } from "./run";

export const POSTGRES_HOST = "127.0.0.1";
/** The one definition of the port; testbed/setup/contract-setup.sh reads it from this line. */
export const POSTGRES_PORT = 54329;
export const POSTGRES_SUPERUSER = "postgres";

export interface PsqlOptions {
  /** Database to connect to (default "postgres"). */
  database?: string;
  host?: string;
  port?: number;
  user?: string;
  /** Extra environment (e.g. PGPASSFILE for a server that wants a password). */
  env?: Record<string, string>;
}

/**
 * Runs `sql` (one or more statements, stopping at the first error) and returns the output in
 * psql's unaligned tuples-only form: one row per line, columns separated by "|".
 */
export async function psql(sql: string, options: PsqlOptions = {}): Promise<string> {
  const result = await runCommand(
    [
      "psql",
      "--no-psqlrc",
      "--quiet",
      "--no-align",
      "--tuples-only",
      "--set=ON_ERROR_STOP=1",
      `--host=${options.host ?? POSTGRES_HOST}`,
      `--port=${options.port ?? POSTGRES_PORT}`,
      `--username=${options.user ?? POSTGRES_SUPERUSER}`,
      `--dbname=${options.database ?? "postgres"}`,
      "--file=-",
    ],
    { input: sql, env: { PGCONNECT_TIMEOUT: "10", ...options.env }, timeoutMs: 60_000 },
  );
  return result.stdout.trimEnd();
}

/** A SQL identifier, quoted. */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL string literal. */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
