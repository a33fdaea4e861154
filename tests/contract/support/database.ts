/**
 * The declared PostgreSQL role and database, created and dropped with SQL that says exactly what
 * the program's `postgresql.Role` / `postgresql.Database` arguments say (what the postgresql
 * provider sends), and nothing else.
 */
import type { DeclaredDatabase, DeclaredRole } from "./program";
import { sqlIdent, sqlLiteral } from "./psql";

/** Runs SQL as the server's superuser (the machine's server, or a private one). */
export type SqlRunner = (statements: string, database?: string) => Promise<string>;

/** CREATE ROLE with the declared name, LOGIN flag and password. */
export function createRoleSql(role: DeclaredRole): string {
  return `CREATE ROLE ${sqlIdent(role.name)} WITH ${role.login ? "LOGIN" : "NOLOGIN"} PASSWORD ${sqlLiteral(role.password)};`;
}

/** CREATE DATABASE with the declared owner, encoding, collation, ctype and template. */
export function createDatabaseSql(database: DeclaredDatabase): string {
  return (
    `CREATE DATABASE ${sqlIdent(database.name)} WITH OWNER ${sqlIdent(database.owner)} ` +
    `TEMPLATE ${sqlIdent(database.template)} ENCODING ${sqlLiteral(database.encoding)} ` +
    `LC_COLLATE ${sqlLiteral(database.lcCollate)} LC_CTYPE ${sqlLiteral(database.lcCtype)};`
  );
}

export interface DatabaseFacts {
  encoding: string;
  collate: string;
  ctype: string;
  owner: string;
}

/** Encoding, collation, ctype and owner as pg_database records them. */
export async function databaseFacts(sql: SqlRunner, name: string): Promise<DatabaseFacts | undefined> {
  const row = await sql(
    `SELECT pg_encoding_to_char(encoding), datcollate, datctype, pg_get_userbyid(datdba)
       FROM pg_database WHERE datname = ${sqlLiteral(name)}`,
  );
  if (row === "") return undefined;
  const [encoding, collate, ctype, owner] = row.split("|");
  return { encoding, collate, ctype, owner };
}

/** Creates the role, then the database it owns (the order the provider's dependency implies). */
export async function createDeclared(sql: SqlRunner, role: DeclaredRole, database: DeclaredDatabase): Promise<void> {
  await sql(createRoleSql(role));
  await sql(createDatabaseSql(database));
}

/**
 * Drops them as the postgresql provider does on destroy: the database first (WITH (FORCE)
 * disconnects whoever is left), then the role (its remaining objects reassigned and dropped).
 * Missing ones are fine (teardown after a half-done step).
 */
export async function dropDeclared(sql: SqlRunner, roleName: string, databaseName: string): Promise<void> {
  await sql(`DROP DATABASE IF EXISTS ${sqlIdent(databaseName)} WITH (FORCE);`);
  const exists = await sql(`SELECT 1 FROM pg_roles WHERE rolname = ${sqlLiteral(roleName)}`);
  if (exists === "1") {
    await sql(
      `REASSIGN OWNED BY ${sqlIdent(roleName)} TO CURRENT_USER; DROP OWNED BY ${sqlIdent(roleName)}; DROP ROLE ${sqlIdent(roleName)};`,
    );
  }
}
