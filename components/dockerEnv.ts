/**
 * Environment for commands that call the docker CLI (`docker exec`, `docker compose`, the
 * reset's `docker cp` and `docker volume rm`): the same engine the containers were created on.
 * Without it a stack with `dockerHost` would create containers remotely and then exec into the
 * local engine.
 */
export function dockerEnv(target: { readonly dockerHost?: string }): Record<string, string> {
  return target.dockerHost ? { DOCKER_HOST: target.dockerHost } : {};
}
