/**
 * The declared database password file really authenticates. The machine's PostgreSQL trusts
 * local connections, so the flow cannot tell whether Synapse's `database.args.passfile` works;
 * a private cluster that demands passwords (scram-sha-256) can. The program is recorded with
 * that cluster's port, the declared role and database are created in it, and psycopg2 from each
 * Synapse venv connects with the declared `database.args` and the declared /data/pgpass (its
 * declared owner and mode), as the declared container user.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { SYNAPSE_PATHS } from "../../render/paths";
import { runProgram } from "../support/programHarness";
import { createDeclared } from "./support/database";
import { CONTRACT_SYNAPSE_VERSIONS, WORK_DIR, synapseVenv, venvPython } from "./support/paths";
import { PrivatePostgres, startPrivatePostgres } from "./support/privatePostgres";
import { runningProcesses, stopAll } from "./support/processes";
import {
  CONTRACT_STACK,
  CONTRACT_STACK_FILE,
  Declared,
  isRecord,
  readStackConfigFile,
  runTimeOverrides,
} from "./support/program";
import { runCommand } from "./support/run";

const runDir = path.join(WORK_DIR, `passfile-${process.pid}`);

describe("the declared pgpass authenticates Synapse's role against a PostgreSQL that asks for passwords", () => {
  let privatePg: PrivatePostgres | undefined;
  let passed = false;

  after(async () => {
    await privatePg?.stop();
    await stopAll();
    assert.deepEqual(runningProcesses(), [], "processes left running after teardown");
    if (passed) fs.rmSync(runDir, { recursive: true, force: true });
    else console.log(`kept for inspection: ${runDir}`);
  });

  test("psycopg2 of every covered Synapse connects with the declared args; a world-readable copy is ignored by libpq", async () => {
    fs.mkdirSync(runDir, { recursive: true });
    privatePg = await startPrivatePostgres(runDir);
    const pg = privatePg;
    const postgres = readStackConfigFile(CONTRACT_STACK_FILE)["eqmd-matrix:postgres"];
    assert.ok(isRecord(postgres));
    const declared = new Declared(
      runProgram(CONTRACT_STACK_FILE, {
        stack: CONTRACT_STACK,
        overrides: {
          ...runTimeOverrides({
            synapsePort: 1,
            providerPort: 2,
            database: "ct_passfile_db",
            role: "ct_passfile_user",
            envFilePath: path.join(runDir, "unused.env"),
            synapseVersion: CONTRACT_SYNAPSE_VERSIONS[0],
          }),
          "eqmd-matrix:postgres": { ...postgres, synapsePort: pg.port },
        },
      }),
    );
    await createDeclared((statements, db) => pg.sql(statements, db), declared.role(), declared.database());

    const container = declared.synapse();
    const pgpass = container.files[SYNAPSE_PATHS.pgpass];
    assert.ok(pgpass, "the container receives a pgpass file");
    assert.equal(pgpass.mode, 0o400, "readable by the Synapse user only");
    const database = declared.homeserver()["database"];
    assert.ok(isRecord(database) && isRecord(database["args"]), "homeserver.yaml has database.args");
    const args = database["args"];
    assert.equal(args["passfile"], SYNAPSE_PATHS.pgpass);
    assert.equal(args["port"], pg.port);

    const write = (name: string, mode: number): string => {
      const file = path.join(runDir, name);
      fs.writeFileSync(file, pgpass.content, { mode });
      fs.chmodSync(file, mode);
      if (pgpass.owner && process.getuid?.() === 0) fs.chownSync(file, pgpass.owner.uid, pgpass.owner.gid);
      return file;
    };
    const declaredFile = write("pgpass", pgpass.mode ?? 0o400);
    const readableByAll = write("pgpass-world-readable", 0o644);
    const user = process.getuid?.() === 0 ? container.user : undefined;
    for (const version of CONTRACT_SYNAPSE_VERSIONS) {
      const probe = (passfile: string) => connectProbe(synapseVenv(version), { ...args, passfile }, user);
      assert.equal(await probe(declaredFile), `OK ${declared.role().name}`, `Synapse ${version}: declared passfile`);
      assert.match(
        await probe(readableByAll),
        /no password supplied/,
        `Synapse ${version}: libpq ignores a group/world-readable passfile (why the upload is 0400)`,
      );
    }
    passed = true;
  });
});

/** Opens a connection with psycopg2 as Synapse does (its args minus the cp_* pool settings). */
async function connectProbe(
  venv: string,
  args: Record<string, unknown>,
  user: { uid: number; gid: number } | undefined,
): Promise<string> {
  const script = [
    "import json, sys",
    "import psycopg2",
    "args = {k: v for k, v in json.load(sys.stdin).items() if not k.startswith('cp_')}",
    "try:",
    "    conn = psycopg2.connect(**args)",
    "except psycopg2.OperationalError as error:",
    "    print('ERROR ' + ' '.join(str(error).split()))",
    "    sys.exit(0)",
    "cur = conn.cursor()",
    "cur.execute('SELECT current_user')",
    "print('OK ' + cur.fetchone()[0])",
  ].join("\n");
  const prefix = user ? ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--"] : [];
  const result = await runCommand([...prefix, venvPython(venv), "-c", script], {
    input: JSON.stringify(args),
    env: { PGPASSWORD: "", PGPASSFILE: "/nonexistent" },
    cwd: "/",
  });
  return result.stdout.trim();
}
