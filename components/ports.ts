import * as docker from "@pulumi/docker";
import { PublishedPort } from "../config";

/** Docker port bindings for an optional published port (eqmd binds to 127.0.0.1 only). */
export function publishedPorts(port: PublishedPort | null, internal: number): docker.types.input.ContainerPort[] {
  return port ? [{ internal, external: port.port, ip: port.ip, protocol: "tcp" }] : [];
}
