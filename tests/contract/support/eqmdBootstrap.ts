/**
 * The SQL eqmd's scripts/bootstrap_matrix_db.py runs (eqmd main, 2026-08), statement for
 * statement and in its order, for a given database, role and password: the database first (so
 * the admin user running the script owns it), then the login role, then the grants.
 */
import { sqlIdent, sqlLiteral } from "./psql";

export interface EqmdBootstrapSql {
  /** Run in the admin database, each in autocommit (CREATE DATABASE cannot run in a transaction). */
  readonly admin: readonly string[];
  /** Run inside the new database, as the admin. */
  readonly inDatabase: readonly string[];
}

export function eqmdBootstrapSql(database: string, role: string, password: string): EqmdBootstrapSql {
  const db = sqlIdent(database);
  const user = sqlIdent(role);
  return {
    admin: [
      `CREATE DATABASE ${db} WITH ENCODING "UTF8" LC_COLLATE "C" LC_CTYPE "C" TEMPLATE template0`,
      `CREATE USER ${user} PASSWORD ${sqlLiteral(password)}`,
      `GRANT ALL PRIVILEGES ON DATABASE ${db} TO ${user}`,
    ],
    inDatabase: [
      `GRANT CREATE ON SCHEMA public TO ${user}`,
      `GRANT USAGE ON SCHEMA public TO ${user}`,
      `GRANT ALL ON ALL TABLES IN SCHEMA public TO ${user}`,
      `GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${user}`,
      `GRANT ALL ON ALL FUNCTIONS IN SCHEMA public TO ${user}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO ${user}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO ${user}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO ${user}`,
    ],
  };
}
