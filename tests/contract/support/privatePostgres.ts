/**
 * A throw-away PostgreSQL cluster that demands passwords (scram-sha-256), on a free loopback
 * port. The machine's server trusts every local connection, so it cannot tell whether a
 * client really authenticates with its password file; this one can.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { freePort } from "./freePort";
import { ProcessHandle, startProcess } from "./processes";
import { psql } from "./psql";
import { runCommand } from "./run";
import { waitFor } from "./waitFor";

export interface PrivatePostgres {
  host: "127.0.0.1";
  port: number;
  superuser: "postgres";
  superuserPassword: string;
  process: ProcessHandle;
  /** SQL as the superuser (authenticating with its password). */
  sql(statements: string, database?: string): Promise<string>;
  stop(): Promise<void>;
}

/** initdb + postgres under `root` (PostgreSQL refuses to run as root: uses the `postgres` user then). */
export async function startPrivatePostgres(root: string): Promise<PrivatePostgres> {
  const binDir = (await runCommand(["pg_config", "--bindir"])).stdout.trim();
  for (const tool of ["initdb", "postgres"]) {
    if (!fs.existsSync(path.join(binDir, tool))) {
      throw new Error(`${tool} not found in ${binDir} (pg_config --bindir): install the PostgreSQL server package`);
    }
  }
  const asRoot = process.getuid?.() === 0;
  let prefix: string[] = [];
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const uid = Number((await runCommand(["id", "-u", "postgres"])).stdout.trim());
    const gid = Number((await runCommand(["id", "-g", "postgres"])).stdout.trim());
    owner = { uid, gid };
    prefix = ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--init-groups", "--"];
  }

  const dir = path.join(root, "private-postgres");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(root, 0o755);
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = path.join(dir, "superuser-password");
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    fs.chownSync(dir, owner.uid, owner.gid);
    fs.chownSync(pwfile, owner.uid, owner.gid);
  }
  const dataDir = path.join(dir, "data");
  await runCommand(
    [
      ...prefix,
      path.join(binDir, "initdb"),
      `--pgdata=${dataDir}`,
      "--username=postgres",
      `--pwfile=${pwfile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ],
    { cwd: dir, timeoutMs: 120_000 },
  );

  const port = await freePort();
  const proc = await startProcess(
    "private-postgres",
    [
      ...prefix,
      path.join(binDir, "postgres"),
      "-D",
      dataDir,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `unix_socket_directories=${dir}`,
      "-c",
      "fsync=off",
    ],
    { cwd: dir, logFile: path.join(dir, "postgres.log"), graceMs: 10_000 },
  );
  const sql = (statements: string, database = "postgres"): Promise<string> =>
    psql(statements, { port, database, env: { PGPASSWORD: password } });
  try {
    await waitFor(async () => (await sql("SELECT 1")) === "1", {
      deadlineMs: 60_000,
      what: `the private PostgreSQL on 127.0.0.1:${port}`,
      abortIf: () => (proc.exitInfo() ? `postgres exited; log tail:\n${proc.logTail()}` : undefined),
    });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    host: "127.0.0.1",
    port,
    superuser: "postgres",
    superuserPassword: password,
    process: proc,
    sql,
    stop: async () => {
      await proc.stop();
    },
  };
}
