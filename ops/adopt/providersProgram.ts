/**
 * An inline program that declares only the two explicit providers, built by the same functions
 * and from the same config as index.ts, so their state entries equal what the program
 * registers. An import names its provider by URN and the engine only uses one already in the
 * state; `up --target <provider URNs>` of this program puts them there and touches nothing
 * else (a targeted update leaves every other resource of the state alone). The whole program
 * is not used for that: its targeted `up` did not finish on a host without a Docker engine.
 */
import * as path from "node:path";
import { loadConfig } from "../../config";
import { dockerProvider, postgresqlProvider } from "../../components/providers";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export function providersProgram(): Promise<void> {
  const { settings: s, secrets } = loadConfig(PROJECT_DIR);
  dockerProvider(s.dockerHost);
  // postgres.mode "external" only (the adopt refuses "managed"): no container to wait for.
  postgresqlProvider(s.postgres, secrets.postgresAdminPassword, undefined);
  return Promise.resolve();
}
