/**
 * The commands of a restore. The new data is staged beside the old while Synapse still serves
 * (a database `<db>_restore`, a folder `.restore-staging` in the media volume), then swapped in
 * with Synapse stopped: the database by two renames in one transaction, the media by moves
 * inside the volume. The old data stays (`<db>_prerestore`, `.prerestore`) until Synapse runs
 * on the restored data, so every failure before that can put it back.
 */
import { dockerEnv } from "../../components/dockerEnv";
import { pgConnection, pgEnv, psqlCommand } from "../backup/commands";
import { ResetFacts } from "../reset/facts";
import { CommandSpec } from "../reset/types";

/** The names a restore uses beside the stack's own. */
export function restoreNames(facts: ResetFacts): { staged: string; previous: string; job: string } {
  const db = facts.database.name;
  // The job is named after the volume, not the container: `docker events --filter container=<name>`
  // also matches longer names, so a `<synapse>_restore` job counted as Synapse starts (seen).
  return { staged: `${db}_restore`, previous: `${db}_prerestore`, job: `${facts.mediaVolume}_restore` };
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** A fresh staging database with the attributes Synapse requires (UTF8, C/C), owned by its role. */
export function createStagedDatabaseCommands(facts: ResetFacts): CommandSpec[] {
  const { staged } = restoreNames(facts);
  return [
    psqlCommand(facts, "postgres", `DROP DATABASE IF EXISTS ${ident(staged)} WITH (FORCE)`),
    psqlCommand(
      facts,
      "postgres",
      `CREATE DATABASE ${ident(staged)} OWNER ${ident(facts.database.role)} TEMPLATE template0 ` +
        "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
    ),
  ];
}

/** pg_restore into the staging database; objects owned by Synapse's role whatever the dump says. */
export function pgRestoreCommand(facts: ResetFacts, dumpFile: string): CommandSpec {
  const { staged } = restoreNames(facts);
  return {
    argv: [
      "pg_restore",
      ...pgConnection(facts),
      "-d",
      staged,
      "--no-owner",
      "--no-privileges",
      `--role=${facts.database.role}`,
      "--exit-on-error",
      dumpFile,
    ],
    env: pgEnv(facts),
  };
}

/** Synapse's backup guidance: one-time keys restored from a backup may already have been claimed. */
export function truncateOneTimeKeysCommand(facts: ResetFacts): CommandSpec {
  return psqlCommand(facts, restoreNames(facts).staged, "TRUNCATE e2e_one_time_keys_json");
}

/** Ends every session on the stack's database and the staged one (Synapse is stopped by then). */
export function terminateSessionsCommand(facts: ResetFacts): CommandSpec {
  const { staged } = restoreNames(facts);
  return psqlCommand(
    facts,
    "postgres",
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity " +
      `WHERE datname IN (${literal(facts.database.name)}, ${literal(staged)}) AND pid <> pg_backend_pid()`,
  );
}

/** The stack's database becomes `<db>_prerestore`, the staged one takes its name: one transaction. */
export function swapDatabaseCommand(facts: ResetFacts, direction: "in" | "back"): CommandSpec {
  const { staged, previous } = restoreNames(facts);
  const db = facts.database.name;
  const renames =
    direction === "in"
      ? [
          `ALTER DATABASE ${ident(db)} RENAME TO ${ident(previous)}`,
          `ALTER DATABASE ${ident(staged)} RENAME TO ${ident(db)}`,
        ]
      : [
          `ALTER DATABASE ${ident(db)} RENAME TO ${ident(staged)}`,
          `ALTER DATABASE ${ident(previous)} RENAME TO ${ident(db)}`,
        ];
  return psqlCommand(facts, "postgres", `BEGIN; ${renames.join("; ")}; COMMIT`);
}

/** Drops a left-over database of the restore (staged or previous). */
export function dropDatabaseCommand(facts: ResetFacts, which: "staged" | "previous"): CommandSpec {
  return psqlCommand(facts, "postgres", `DROP DATABASE IF EXISTS ${ident(restoreNames(facts)[which])} WITH (FORCE)`);
}

/** Whether `<db>_prerestore` exists (an earlier restore stopped after its swap): "t" or "f". */
export function previousExistsCommand(facts: ResetFacts): CommandSpec {
  return psqlCommand(
    facts,
    "postgres",
    `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${literal(restoreNames(facts).previous)})`,
  );
}

const STORE = "/store";

/** Scripts run in a one-shot container of the Synapse image with the media volume at /store. */
export const MEDIA_SCRIPTS = {
  /** Unpacks the archive (stdin; `media_store/…` entries) into .restore-staging, owners kept. */
  stage:
    "set -eu; cd /store; rm -rf .restore-staging; mkdir .restore-staging; " +
    "tar -x -f - -C .restore-staging --strip-components=1 --same-owner --numeric-owner",
  /** The current files go to .prerestore, the staged ones take their place. */
  swapIn:
    "set -eu; cd /store; test -d .restore-staging; rm -rf .prerestore; mkdir .prerestore; " +
    "find . -mindepth 1 -maxdepth 1 ! -name .restore-staging ! -name .prerestore -exec mv -t .prerestore {} +; " +
    "find .restore-staging -mindepth 1 -maxdepth 1 -exec mv -t . {} +; rmdir .restore-staging",
  /** Puts .prerestore back (the restored files are dropped). */
  swapBack:
    "set -eu; cd /store; test -d .prerestore; rm -rf .restore-staging; mkdir .restore-staging; " +
    "find . -mindepth 1 -maxdepth 1 ! -name .restore-staging ! -name .prerestore -exec mv -t .restore-staging {} +; " +
    "find .prerestore -mindepth 1 -maxdepth 1 -exec mv -t . {} +; rmdir .prerestore; rm -rf .restore-staging",
  /** Removes what a restore left beside the media. */
  cleanup: "set -eu; rm -rf /store/.prerestore /store/.restore-staging",
} as const;

export type MediaScript = keyof typeof MEDIA_SCRIPTS;

/** `docker run --rm` of one media script; the archive goes to stdin for `stage`. */
export function mediaJobCommand(facts: ResetFacts, script: MediaScript, archive?: string): CommandSpec {
  const { job } = restoreNames(facts);
  const owner = `${facts.uid}:${facts.gid}`;
  return {
    argv: [
      "docker",
      "run",
      "--rm",
      ...(archive !== undefined ? ["-i"] : []),
      "--name",
      job,
      "--label",
      "eqmd.matrix/role=restore-job",
      "--network",
      "none",
      "--user",
      "0:0",
      "--entrypoint",
      "/bin/sh",
      "-v",
      `${facts.mediaVolume}:${STORE}`,
      facts.synapseImage,
      "-c",
      `${MEDIA_SCRIPTS[script]}; chown ${owner} ${STORE}`,
    ],
    env: dockerEnv(facts),
    ...(archive !== undefined ? { stdinFile: archive } : {}),
  };
}

/** Removes a media job an interrupted restore left (no error when there is none). */
export function removeMediaJobCommand(facts: ResetFacts): CommandSpec {
  return { argv: ["docker", "rm", "-f", restoreNames(facts).job], env: dockerEnv(facts) };
}

export function synapseCommand(facts: ResetFacts, action: "stop" | "start"): CommandSpec {
  const argv =
    action === "stop"
      ? ["docker", "stop", "-t", "30", facts.synapseContainer]
      : ["docker", "start", facts.synapseContainer];
  return { argv, env: dockerEnv(facts) };
}

/** Docker's health status of Synapse ("healthy", "starting", "unhealthy"), or its state without a healthcheck. */
export function synapseHealthCommand(facts: ResetFacts): CommandSpec {
  return {
    argv: [
      "docker",
      "inspect",
      "-f",
      "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}",
      facts.synapseContainer,
    ],
    env: dockerEnv(facts),
  };
}

/** The SCHEMA_VERSION the stack's Synapse image runs, from the image itself (no container needed). */
export function imageSchemaCommand(facts: ResetFacts): CommandSpec {
  return {
    argv: [
      "docker",
      "run",
      "--rm",
      "--network",
      "none",
      "--entrypoint",
      "python3",
      facts.synapseImage,
      "-c",
      "import synapse; from synapse.storage.schema import SCHEMA_VERSION; print(synapse.__version__, SCHEMA_VERSION)",
    ],
    env: dockerEnv(facts),
  };
}
