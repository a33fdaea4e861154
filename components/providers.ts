import * as docker from "@pulumi/docker";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "./config";

export interface Providers {
  readonly docker: docker.Provider;
  readonly postgresql: postgresql.Provider;
}

/**
 * Explicit providers, so the Docker host and the PostgreSQL admin connection come from this
 * stack's validated config and nothing from the ambient environment leaks in by accident.
 */
export function createProviders(
  s: Settings,
  adminPassword: pulumi.Input<string> | undefined,
  postgresReady: pulumi.Resource | undefined,
): Providers {
  return {
    docker: new docker.Provider("docker", s.dockerHost ? { host: s.dockerHost } : {}),
    postgresql: new postgresql.Provider(
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
    ),
  };
}
