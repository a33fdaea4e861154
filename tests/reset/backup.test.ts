import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { backupFiles, backupTimestamp, mediaArchiveCommand, pgDumpCommand } from "../../ops/reset/backup";
import { volumeRemoveCommand } from "../../ops/reset/docker";
import { allowedFacts, config, defaultOutputs } from "./fakes";

const date = new Date(Date.UTC(2026, 7, 12, 3, 15, 2, 789));

describe("backup commands", () => {
  it("timestamps are UTC, sortable and shell-safe", () => {
    assert.equal(backupTimestamp(date), "20260812T031502Z");
  });

  it("file names follow <db>-<timestamp>.dump and media-<timestamp>.tar", () => {
    const f = allowedFacts("dev", config({ database: { name: "synapse_db" } }), defaultOutputs());
    assert.deepEqual(backupFiles("/srv/bk", f, date), {
      database: "/srv/bk/synapse_db-20260812T031502Z.dump",
      media: "/srv/bk/media-20260812T031502Z.tar",
    });
  });

  it("pg_dump: connection in argv, password and sslmode in env", () => {
    const f = allowedFacts(
      "dev",
      config(
        {
          postgres: { sslmode: "require", host: "db.internal", port: 5433, adminUser: "eqmd_user" },
          postgresAdminPassword: "pw;$(x)",
        },
        ["postgresAdminPassword"],
      ),
      defaultOutputs(),
    );
    const cmd = pgDumpCommand(f, "/b/matrix_db.dump");
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
      "/b/matrix_db.dump",
    ]);
    assert.deepEqual(cmd.env, { PGPASSWORD: "pw;$(x)", PGSSLMODE: "require" });
    assert.equal(cmd.stdoutFile, undefined);
  });

  it("media: docker cp of /data/media_store to a tar file, DOCKER_HOST when remote", () => {
    const local = mediaArchiveCommand(allowedFacts("dev", config({}), defaultOutputs()), "/b/m.tar");
    assert.deepEqual(local, {
      argv: ["docker", "cp", "eqmd_matrix_synapse:/data/media_store", "-"],
      env: {},
      stdoutFile: "/b/m.tar",
    });
    const remote = mediaArchiveCommand(
      allowedFacts("dev", config({ dockerHost: "ssh://u@h" }), defaultOutputs()),
      "/b/m.tar",
    );
    assert.deepEqual(remote.env, { DOCKER_HOST: "ssh://u@h" });
  });

  it("wipe: docker volume rm <volume>", () => {
    assert.deepEqual(volumeRemoveCommand(allowedFacts("dev", config({}), defaultOutputs())), {
      argv: ["docker", "volume", "rm", "eqmd_matrix_media_store"],
      env: {},
    });
  });
});
