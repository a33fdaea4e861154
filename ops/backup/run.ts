/**
 * `npm run backup`, in order, while Matrix keeps serving: the schema version, the database
 * (pg_dump -Fc: one consistent snapshot), then the media store (after the dump, so every row
 * of the dump has its file), the signing key, checksums and the manifest. Everything is
 * written into `<to>/<stack>-<UTC stamp>.partial/` and renamed to `<stack>-<stamp>/` only when
 * complete, so an interrupted backup never looks complete. Folder 0700, files 0600.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { lastLines } from "../reset/docker";
import { ResetFacts } from "../reset/facts";
import { CommandResult, ResetDeps } from "../reset/types";
import {
  mediaArchiveCommand,
  pgDumpCommand,
  psqlCommand,
  SCHEMA_SQL,
  signingKeyCommand,
  synapseVersionCommand,
} from "./commands";
import { BACKUP_FORMAT, describeFile, Manifest, MANIFEST_FILE, Part, PART_FILES, serializeManifest } from "./manifest";
import { fileSize, formatRate, withProgress } from "./progress";
import { firstTarFile } from "./tarEntry";

export type BackupDeps = Pick<ResetDeps, "runCommand" | "now">;

export interface BackupOptions {
  /** The folder the backup folder is written into (created 0700 if missing). */
  readonly to: string;
  readonly program: { readonly name: string; readonly version: string };
  /** How often long steps print their progress; 0 = never (tests). */
  readonly progressIntervalMs: number;
}

/** The step a backup failed in: the folder, a preparatory query, or one of its parts. */
export type BackupStep = "folder" | "versions" | Part | "manifest";

export type BackupResult =
  | { readonly ok: true; readonly dir: string; readonly manifest: Manifest }
  | { readonly ok: false; readonly failed: BackupStep; readonly message: string };

/** "20260812T031502Z": sortable, no characters that need quoting. */
export function backupTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** Where a backup of `stack` started at `date` goes, before and after it is complete. */
export function backupFolder(to: string, stack: string, date: Date): { partial: string; final: string } {
  const final = path.join(to, `${stack.replace(/[^A-Za-z0-9_.-]/g, "_")}-${backupTimestamp(date)}`);
  return { partial: `${final}.partial`, final };
}

/** Takes one backup; on any failure removes its partial folder and says which step failed. */
export async function takeBackup(
  deps: BackupDeps,
  facts: ResetFacts,
  options: BackupOptions,
  say: (line: string) => void,
): Promise<BackupResult> {
  const startedAt = deps.now();
  const { partial, final } = backupFolder(options.to, facts.stack, startedAt);
  try {
    await fs.promises.mkdir(options.to, { recursive: true, mode: 0o700 });
    await fs.promises.mkdir(partial, { mode: 0o700 });
    await fs.promises.chmod(partial, 0o700);
  } catch (err) {
    return { ok: false, failed: "folder", message: `cannot create ${partial}: ${(err as Error).message}` };
  }
  try {
    const result = await writeParts(deps, facts, options, partial, startedAt, say);
    if (!result.ok) return result;
    await fs.promises.rename(partial, final);
    return { ok: true, dir: final, manifest: result.manifest };
  } catch (err) {
    return { ok: false, failed: "manifest", message: (err as Error).message };
  } finally {
    // A failed backup leaves nothing that could be mistaken for one.
    await fs.promises.rm(partial, { recursive: true, force: true }).catch(() => undefined);
  }
}

type PartsResult = { readonly ok: true; readonly manifest: Manifest } | (BackupResult & { readonly ok: false });

async function writeParts(
  deps: BackupDeps,
  facts: ResetFacts,
  options: BackupOptions,
  dir: string,
  startedAt: Date,
  say: (line: string) => void,
): Promise<PartsResult> {
  const fail = (failed: BackupStep, message: string): PartsResult => ({ ok: false, failed, message });
  const elapsed = async <T>(body: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const start = deps.now().getTime();
    const value = await body();
    return { value, ms: deps.now().getTime() - start };
  };

  // Versions first: a database or Synapse that cannot answer fails before anything large is written.
  const schema = await deps.runCommand(psqlCommand(facts, facts.database.name, SCHEMA_SQL));
  if (schema.exitCode !== 0) return fail("versions", describeFailure("psql", schema));
  const [schemaVersion, compatVersion] = schema.stdout.trim().split("|").map(Number);
  if (!Number.isInteger(schemaVersion) || !Number.isInteger(compatVersion))
    return fail(
      "versions",
      `the database "${facts.database.name}" has no Synapse schema version ("${schema.stdout.trim()}")`,
    );
  const version = await deps.runCommand(synapseVersionCommand(facts));
  if (version.exitCode !== 0) return fail("versions", describeFailure("docker exec (Synapse's version)", version));
  const synapseVersion = version.stdout.trim().split(/\s+/)[0] ?? "unknown";

  const file = (part: Part): string => path.join(dir, PART_FILES[part]);
  say(`Dumping the Synapse database "${facts.database.name}" (${facts.postgres.host}:${facts.postgres.port}) …`);
  const dump = await elapsed(() =>
    withProgress("database", file("database"), options.progressIntervalMs, say, () =>
      deps.runCommand(pgDumpCommand(facts, file("database"))),
    ),
  );
  if (dump.value.exitCode !== 0) return fail("database", describeFailure("pg_dump", dump.value));
  say(`  database: ${formatRate(fileSize(file("database")), dump.ms)}`);

  say(`Archiving the media store of "${facts.synapseContainer}" …`);
  const media = await elapsed(() =>
    withProgress("media", file("media"), options.progressIntervalMs, say, () =>
      deps.runCommand(mediaArchiveCommand(facts, file("media"))),
    ),
  );
  if (media.value.exitCode !== 0) return fail("media", describeFailure("docker cp", media.value));
  say(`  media: ${formatRate(fileSize(file("media")), media.ms)}`);

  say("Copying the signing key …");
  const keyTar = path.join(dir, "signing.key.tar");
  const key = await elapsed(() => deps.runCommand(signingKeyCommand(facts, keyTar)));
  if (key.value.exitCode !== 0) return fail("signingKey", describeFailure("docker cp", key.value));
  let keyId: string;
  try {
    const text = firstTarFile(await fs.promises.readFile(keyTar)).toString("utf8");
    keyId = signingKeyId(text);
    await fs.promises.writeFile(file("signingKey"), text, { mode: 0o600 });
  } catch (err) {
    return fail(
      "signingKey",
      `the signing key copied from ${facts.synapseContainer} is unusable: ${(err as Error).message}`,
    );
  } finally {
    await fs.promises.rm(keyTar, { force: true });
  }

  say("Checksums and manifest …");
  const sums = await elapsed(async () => ({
    database: await describeFile(dir, PART_FILES.database),
    media: await describeFile(dir, PART_FILES.media),
    signingKey: await describeFile(dir, PART_FILES.signingKey),
  }));
  const manifest: Manifest = {
    format: BACKUP_FORMAT,
    program: options.program,
    stack: facts.stack,
    serverName: facts.serverName,
    createdAt: startedAt.toISOString(),
    synapse: { version: synapseVersion, image: facts.synapseImage, schemaVersion, compatVersion },
    database: { name: facts.database.name },
    signingKey: { keyId },
    files: sums.value,
    timingsMs: { database: dump.ms, media: media.ms, signingKey: key.ms, checksums: sums.ms },
  };
  await fs.promises.writeFile(path.join(dir, MANIFEST_FILE), serializeManifest(manifest), { mode: 0o600 });
  // pg_dump and the redirected stdout create files with the umask's mode: tighten them.
  for (const name of await fs.promises.readdir(dir)) await fs.promises.chmod(path.join(dir, name), 0o600);
  return { ok: true, manifest };
}

/** The key id of a signing key file (`ed25519 <key id> <seed>`). */
export function signingKeyId(text: string): string {
  const [algorithm, keyId, seed] = text.trim().split(/\s+/);
  if (algorithm !== "ed25519" || keyId === undefined || seed === undefined)
    throw new Error('expected one line "ed25519 <key id> <seed>"');
  return keyId;
}

export function describeFailure(program: string, result: CommandResult): string {
  const tail = lastLines(result.stderr);
  if (result.exitCode === 127 && !tail) return `${program} could not be started (is it installed and on PATH?)`;
  return `${program} exited with code ${result.exitCode}${tail ? `:\n${indent(tail)}` : ""}`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}
