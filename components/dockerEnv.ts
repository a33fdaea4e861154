import { Settings } from "../config";

/**
 * Environment for commands that call the docker CLI (`docker exec`, `docker compose`): the
 * same engine the containers were created on. Without it a stack with `dockerHost` would
 * create containers remotely and then exec into the local engine.
 */
export function dockerEnv(s: Pick<Settings, "dockerHost">): Record<string, string> {
  return s.dockerHost ? { DOCKER_HOST: s.dockerHost } : {};
}
