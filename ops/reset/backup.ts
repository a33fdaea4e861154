/**
 * `--backup <dir>`: a pg_dump of the Synapse database and a tar of the media store, taken
 * before anything is destroyed. The database password reaches pg_dump only through PGPASSWORD.
 */
import * as path from "node:path";
import { SYNAPSE_PATHS } from "../../render/paths";
import { dockerEnv } from "../../components/dockerEnv";
import { lastLines } from "./docker";
import { ResetFacts } from "./facts";
import { CommandSpec, ResetDeps } from "./types";

/** "20260812T031502Z": sortable, no characters that need quoting. */
export function backupTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/[-:]/g, "");
}

export function backupFiles(dir: string, facts: ResetFacts, date: Date): { database: string; media: string } {
  const stamp = backupTimestamp(date);
  return {
    database: path.join(dir, `${facts.database.name}-${stamp}.dump`),
    media: path.join(dir, `media-${stamp}.tar`),
  };
}

/** pg_dump in custom format, connecting as the admin user; secrets only in env. */
export function pgDumpCommand(facts: ResetFacts, file: string): CommandSpec {
  const env: Record<string, string> = {};
  if (facts.postgres.password !== undefined) env["PGPASSWORD"] = facts.postgres.password;
  env["PGSSLMODE"] = facts.postgres.sslmode;
  return {
    argv: [
      "pg_dump",
      "-h",
      facts.postgres.host,
      "-p",
      String(facts.postgres.port),
      "-U",
      facts.postgres.adminUser,
      "-d",
      facts.database.name,
      "-Fc",
      "-f",
      file,
    ],
    env,
  };
}

/** `docker cp <container>:/data/media_store -` writes a tar to stdout; works on remote hosts too. */
export function mediaArchiveCommand(facts: ResetFacts, file: string): CommandSpec {
  return {
    argv: ["docker", "cp", `${facts.synapseContainer}:${SYNAPSE_PATHS.mediaStore}`, "-"],
    env: dockerEnv(facts),
    stdoutFile: file,
  };
}

export type BackupResult =
  | { readonly ok: true; readonly database: string; readonly media: string }
  | { readonly ok: false; readonly failed: "database" | "media" | "directory"; readonly message: string };

/** Dumps the database, then archives the media; stops at the first failure. */
export async function runBackup(
  deps: Pick<ResetDeps, "runCommand" | "makeDir" | "now">,
  facts: ResetFacts,
  dir: string,
  say: (line: string) => void,
): Promise<BackupResult> {
  try {
    await deps.makeDir(dir);
  } catch (err) {
    return { ok: false, failed: "directory", message: `cannot create ${dir}: ${(err as Error).message}` };
  }
  const files = backupFiles(dir, facts, deps.now());

  say(
    `Dumping the Synapse database "${facts.database.name}" (${facts.postgres.host}:${facts.postgres.port}) to ${files.database} …`,
  );
  const dump = await deps.runCommand(pgDumpCommand(facts, files.database));
  if (dump.exitCode !== 0) {
    return { ok: false, failed: "database", message: describeFailure("pg_dump", dump.exitCode, dump.stderr) };
  }

  say(`Archiving the media store of "${facts.synapseContainer}" to ${files.media} …`);
  const media = await deps.runCommand(mediaArchiveCommand(facts, files.media));
  if (media.exitCode !== 0) {
    return { ok: false, failed: "media", message: describeFailure("docker cp", media.exitCode, media.stderr) };
  }
  return { ok: true, database: files.database, media: files.media };
}

function describeFailure(program: string, exitCode: number, stderr: string): string {
  const tail = lastLines(stderr);
  if (exitCode === 127 && !tail) return `${program} could not be started (is it installed and on PATH?)`;
  return `${program} exited with code ${exitCode}${tail ? `:\n${indent(tail)}` : ""}`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}
