/**
 * The backup's manifest (manifest.json): what was saved, from which Synapse, and how to tell
 * that the files are the ones written. A restore trusts nothing in the folder until every
 * file matches its size and sha256 here.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isRecord } from "../../config/isRecord";

export const MANIFEST_FILE = "manifest.json";
export const BACKUP_FORMAT = "eqmd-matrix-backup/1";

/** The parts of a backup, in the order they are taken. */
export const PARTS = ["database", "media", "signingKey"] as const;
export type Part = (typeof PARTS)[number];

/** File name of each part inside the backup folder. */
export const PART_FILES: Readonly<Record<Part, string>> = {
  database: "database.dump",
  media: "media.tar",
  signingKey: "signing.key",
};

export interface FileRecord {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface Manifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly program: { readonly name: string; readonly version: string };
  readonly stack: string;
  readonly serverName: string;
  /** When the backup started (ISO 8601, UTC). */
  readonly createdAt: string;
  readonly synapse: {
    /** The running Synapse's version (synapse.__version__). */
    readonly version: string;
    readonly image: string;
    /** schema_version.version of the database. */
    readonly schemaVersion: number;
    /** schema_compat_version.compat_version: the oldest SCHEMA_VERSION that can run it. */
    readonly compatVersion: number;
  };
  readonly database: { readonly name: string };
  /** The key id of the signing key in signing.key (public: servers publish it). */
  readonly signingKey: { readonly keyId: string };
  readonly files: Readonly<Record<Part, FileRecord>>;
  /** Milliseconds each step took. */
  readonly timingsMs: Readonly<Record<Part | "checksums", number>>;
}

/** sha256 and size of a file, streamed (media archives can be large). */
export async function describeFile(dir: string, name: string): Promise<FileRecord> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of fs.createReadStream(path.join(dir, name))) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { name, bytes, sha256: hash.digest("hex") };
}

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export type ManifestCheck =
  { readonly ok: true; readonly manifest: Manifest } | { readonly ok: false; readonly problems: readonly string[] };

/** Reads `<dir>/manifest.json` and checks every file against it (size first, then sha256). */
export async function checkBackup(dir: string): Promise<ManifestCheck> {
  let text: string;
  try {
    text = await fs.promises.readFile(path.join(dir, MANIFEST_FILE), "utf8");
  } catch (err) {
    const hint = fs.existsSync(`${dir}.partial`) ? ` (${dir}.partial exists: that backup never finished)` : "";
    return { ok: false, problems: [`cannot read ${path.join(dir, MANIFEST_FILE)}: ${(err as Error).message}${hint}`] };
  }
  const parsed = parseManifest(text);
  if (typeof parsed === "string") return { ok: false, problems: [`${MANIFEST_FILE}: ${parsed}`] };
  const problems: string[] = [];
  for (const part of PARTS) {
    const want = parsed.files[part];
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(path.join(dir, want.name));
    } catch (err) {
      problems.push(`${want.name}: missing (${(err as Error).message})`);
      continue;
    }
    if (stat.size !== want.bytes) {
      problems.push(
        `${want.name}: ${stat.size} bytes, the manifest says ${want.bytes}${stat.size < want.bytes ? " (truncated)" : ""}`,
      );
      continue;
    }
    const got = await describeFile(dir, want.name);
    if (got.sha256 !== want.sha256)
      problems.push(`${want.name}: sha256 ${got.sha256}, the manifest says ${want.sha256}`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, manifest: parsed };
}

/** The manifest, or what is wrong with it. */
export function parseManifest(text: string): Manifest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  if (!isRecord(value)) return "not a JSON object";
  if (value["format"] !== BACKUP_FORMAT)
    return `format is ${JSON.stringify(value["format"])}, expected "${BACKUP_FORMAT}"`;
  const synapse = value["synapse"];
  const files = value["files"];
  if (typeof value["serverName"] !== "string") return "serverName is missing";
  if (!isRecord(synapse) || !Number.isInteger(synapse["compatVersion"]) || !Number.isInteger(synapse["schemaVersion"]))
    return "synapse.schemaVersion/compatVersion are missing";
  if (!isRecord(files)) return "files is missing";
  for (const part of PARTS) {
    const f = files[part];
    if (
      !isRecord(f) ||
      typeof f["name"] !== "string" ||
      !Number.isInteger(f["bytes"]) ||
      typeof f["sha256"] !== "string"
    )
      return `files.${part} needs name, bytes and sha256`;
    if (path.basename(f["name"]) !== f["name"]) return `files.${part}.name must be a plain file name`;
  }
  return value as unknown as Manifest;
}
