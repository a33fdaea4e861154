import * as docker from "@pulumi/docker";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config";

/*
 * Explicit providers, so the Docker host and the PostgreSQL admin connection come from this
 * stack's validated config and nothing from the ambient environment leaks in by accident.
 */

/** The Docker engine every container, volume and network of this stack lives on. */
export function dockerProvider(s: Settings): docker.Provider {
  return new docker.Provider("docker", s.dockerHost ? { host: s.dockerHost } : {});
}

/** The admin connection that creates Synapse's role and database. */
export function postgresqlProvider(
  s: Settings,
  adminPassword: pulumi.Input<string> | undefined,
  postgresReady: pulumi.Resource | undefined,
): postgresql.Provider {
  return new postgresql.Provider(
    "postgresql",
    {
      host: s.postgres.host,
      port: s.postgres.port,
      username: s.postgres.adminUser,
      ...(adminPassword !== undefined ? { password: adminPassword } : {}),
      database: s.postgres.adminDatabase,
      sslmode: s.postgres.sslmode,
      superuser: s.postgres.superuser,
    },
    // In managed mode the provider may only connect once the container is healthy.
    postgresReady ? { dependsOn: [postgresReady] } : {},
  );
}
