import { SYNAPSE_PATHS } from "../../render/paths";
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
  mediaArchiveCommand,
  pgDumpCommand,
  psqlCommand,
  signingKeyCommand,
  synapseVersionCommand,
} from "../../ops/backup/commands";
import { volumeRemoveCommand } from "../../ops/reset/docker";
import { allowedFacts, config, defaultOutputs } from "../reset/fakes";

const remotePg = config(
  {
    postgres: { sslmode: "require", host: "db.internal", port: 5433, adminUser: "eqmd_user" },
    postgresAdminPassword: "pw;$(x)",
  },
  ["postgresAdminPassword"],
);

describe("backup commands", () => {
  it("pg_dump: custom format, connection in argv, password and sslmode only in env", () => {
    const cmd = pgDumpCommand(allowedFacts("dev", remotePg, defaultOutputs()), "/b/database.dump");
    assert.deepEqual(cmd.argv, [
      "pg_dump",
      "-h",
      "db.internal",
      "-p",
      "5433",
      "-U",
      "eqmd_user",
      "-d",
      "matrix_db",
      "-Fc",
      "-f",
      "/b/database.dump",
    ]);
    assert.deepEqual(cmd.env, { PGPASSWORD: "pw;$(x)", PGSSLMODE: "require", PGCONNECT_TIMEOUT: "10" });
  });

  it("psql: one statement, stops on error, no password in argv", () => {
    const cmd = psqlCommand(allowedFacts("dev", remotePg, defaultOutputs()), "postgres", "SELECT 1");
    assert.deepEqual(cmd.argv.slice(-6), ["postgres", "-tAX", "-v", "ON_ERROR_STOP=1", "-c", "SELECT 1"]);
    assert.ok(!cmd.argv.some((a) => a.includes("pw;")));
  });

  it("media and signing key: docker cp from the Synapse container to a file, DOCKER_HOST when remote", () => {
    const local = allowedFacts("dev", config({}), defaultOutputs());
    assert.deepEqual(mediaArchiveCommand(local, "/b/m.tar"), {
      argv: ["docker", "cp", "eqmd_matrix_synapse:/data/media_store", "-"],
      env: {},
      stdoutFile: "/b/m.tar",
    });
    assert.deepEqual(signingKeyCommand(local, "/b/k.tar").argv, [
      "docker",
      "cp",
      `eqmd_matrix_synapse:${SYNAPSE_PATHS.signingKey}`,
      "-",
    ]);
    const remote = allowedFacts("dev", config({ dockerHost: "ssh://u@h" }), defaultOutputs());
    assert.deepEqual(mediaArchiveCommand(remote, "/b/m.tar").env, { DOCKER_HOST: "ssh://u@h" });
    assert.deepEqual(synapseVersionCommand(remote).env, { DOCKER_HOST: "ssh://u@h" });
  });

  it("Synapse's version: its code's version and SCHEMA_VERSION, read in the running container", () => {
    const cmd = synapseVersionCommand(allowedFacts("dev", config({}), defaultOutputs()));
    assert.deepEqual(cmd.argv.slice(0, 4), ["docker", "exec", "eqmd_matrix_synapse", "python3"]);
    assert.match(cmd.argv.at(-1) ?? "", /SCHEMA_VERSION/);
  });

  it("wipe: docker volume rm <volume>", () => {
    assert.deepEqual(volumeRemoveCommand(allowedFacts("dev", config({}), defaultOutputs())), {
      argv: ["docker", "volume", "rm", "eqmd_matrix_media_store"],
      env: {},
    });
  });
});
