/**
 * The OpenID provider that plays eqmd's Django app (testbed/oidc-provider): its
 * management commands, and the provider itself served by Django's runserver on loopback.
 */
import * as path from "node:path";
import { ProcessHandle, startProcess } from "./processes";
import { PROVIDER_PROJECT, PROVIDER_VENV, venvPython } from "./paths";
import { RunResult, runCommand } from "./run";
import { waitFor } from "./waitFor";

/** `python manage.py`: the command prefix eqmd's `docker exec … python manage.py` becomes on loopback. */
export const PROVIDER_MANAGE: readonly string[] = [venvPython(PROVIDER_VENV), path.join(PROVIDER_PROJECT, "manage.py")];

/** Environment every provider process needs: where its SQLite database lives. */
export function providerEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { EQMD_OP_DATA_DIR: dataDir, PYTHONUNBUFFERED: "1", ...extra };
}

/** Runs `manage.py <args>` against the provider whose data is in `dataDir`. */
export function providerManage(
  dataDir: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  return runCommand([...PROVIDER_MANAGE, ...args], { cwd: PROVIDER_PROJECT, env: providerEnv(dataDir, env) });
}

export interface ProviderHandle {
  port: number;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** What the provider says its issuer is (scheme://host + "/o", built from the request). */
  issuer: string;
  dataDir: string;
  process: ProcessHandle;
  /** From spawning runserver to the discovery document answering. */
  startupMs: number;
  /** Runs `manage.py <args>` against this provider's database. */
  manage(args: readonly string[], env?: Record<string, string>): Promise<RunResult>;
  stop(): Promise<void>;
}

export interface StartProviderOptions {
  /** Extra environment for runserver (and `manage`). */
  env?: Record<string, string>;
  /** Default: <dataDir>/provider.log */
  logFile?: string;
  deadlineMs?: number;
}

/** Migrates the provider's database, starts runserver on 127.0.0.1:<port>, waits for discovery. */
export async function startProvider(
  dataDir: string,
  port: number,
  options: StartProviderOptions = {},
): Promise<ProviderHandle> {
  const env = options.env ?? {};
  await providerManage(dataDir, ["migrate", "--noinput", "-v", "0"], env);
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const proc = await startProcess(
    "oidc-provider",
    [...PROVIDER_MANAGE, "runserver", `127.0.0.1:${port}`, "--noreload"],
    {
      cwd: PROVIDER_PROJECT,
      env: providerEnv(dataDir, env),
      logFile: options.logFile ?? path.join(dataDir, "provider.log"),
    },
  );
  try {
    const issuer = await waitFor(
      async () => {
        const response = await fetch(`${baseUrl}/o/.well-known/openid-configuration`);
        if (response.status !== 200) {
          throw new Error(`HTTP ${response.status}`);
        }
        const body = (await response.json()) as { issuer?: unknown };
        return typeof body.issuer === "string" ? body.issuer : undefined;
      },
      {
        deadlineMs: options.deadlineMs ?? 60_000,
        what: `the OpenID provider's discovery document on ${baseUrl}`,
        abortIf: () => (proc.exitInfo() ? `runserver exited; log tail:\n${proc.logTail()}` : undefined),
      },
    );
    return {
      port,
      baseUrl,
      issuer,
      dataDir,
      process: proc,
      startupMs: Date.now() - started,
      manage: (args, extra = {}) => providerManage(dataDir, args, { ...env, ...extra }),
      stop: async () => {
        await proc.stop();
      },
    };
  } catch (error) {
    await proc.stop();
    throw error;
  }
}
