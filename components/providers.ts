import * as docker from "@pulumi/docker";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";

/*
 * Explicit providers, so the Docker host and the PostgreSQL admin connection come from this
 * stack's validated config and nothing from the ambient environment leaks in by accident.
 */

/** The Docker engine every container, volume and network of this stack lives on. */
export function dockerProvider(dockerHost: string | undefined): docker.Provider {
  return new docker.Provider("docker", dockerHost ? { host: dockerHost } : {});
}

/** Where the Pulumi host reaches PostgreSQL as its admin user. */
export interface PostgresAdminConnection {
  readonly host: string;
  readonly port: number;
  readonly adminUser: string;
  /** Database the provider connects to (not Synapse's). */
  readonly adminDatabase: string;
  readonly sslmode: "disable" | "require" | "verify-ca" | "verify-full";
  /** Whether the admin user is a superuser (the provider then skips some role checks). */
  readonly superuser: boolean;
}

/** The admin connection that creates Synapse's role and database. */
export function postgresqlProvider(
  connection: PostgresAdminConnection,
  adminPassword: pulumi.Input<string> | undefined,
  postgresReady: pulumi.Resource | undefined,
): postgresql.Provider {
  return new postgresql.Provider(
    "postgresql",
    {
      host: connection.host,
      port: connection.port,
      username: connection.adminUser,
      ...(adminPassword !== undefined ? { password: adminPassword } : {}),
      database: connection.adminDatabase,
      sslmode: connection.sslmode,
      superuser: connection.superuser,
    },
    // In managed mode the provider may only connect once the container is healthy.
    postgresReady ? { dependsOn: [postgresReady] } : {},
  );
}
