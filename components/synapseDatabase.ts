import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { TYPE } from "./tokens";

export interface SynapseDatabaseArgs {
  /** Database name (eqmd: matrix_db). */
  readonly name: string;
  /** Login role Synapse connects as, and the database owner (eqmd: matrix_user). */
  readonly role: string;
  /** Generated password of that role (secret). */
  readonly password: pulumi.Input<string>;
}

/** The only encoding and locale Synapse accepts (and the template that allows them). */
export const SYNAPSE_DATABASE_LOCALE = {
  encoding: "UTF8",
  lcCollate: "C",
  lcCtype: "C",
  template: "template0",
} as const;

/**
 * Synapse's PostgreSQL database, owned by the role Synapse connects as (eqmd's hand procedure
 * made eqmd_user the owner, so Synapse could not create its schema). UTF8 with
 * C collation and ctype from template0, the only locale Synapse accepts.
 */
export class SynapseDatabase extends pulumi.ComponentResource {
  public readonly role: postgresql.Role;
  public readonly database: postgresql.Database;

  constructor(name: string, args: SynapseDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPE.SynapseDatabase, name, {}, opts);
    // Fixed names: create-before-delete would collide, so replacements drop first.
    this.role = new postgresql.Role(
      `${name}-role`,
      { name: args.role, login: true, password: args.password },
      { parent: this, deleteBeforeReplace: true },
    );
    this.database = new postgresql.Database(
      `${name}-database`,
      {
        name: args.name,
        owner: this.role.name,
        ...SYNAPSE_DATABASE_LOCALE,
      },
      { parent: this, deleteBeforeReplace: true },
    );
    this.registerOutputs({ databaseName: this.database.name, roleName: this.role.name });
  }
}
