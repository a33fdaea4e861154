/**
 * Upserting `KEY=value` lines into eqmd's `.env` (read by docker compose when the Django
 * containers are created). Every line that is not one of the upserted keys stays byte for byte;
 * values are quoted only when docker compose would otherwise misread them.
 *
 * Quoting follows compose-go's dotenv parser (the one `docker compose` uses): unquoted values
 * lose a ` #…` comment, trailing spaces and get `$VAR` interpolated; inside double quotes `\\`,
 * `\"`, `\$`, `\n`, `\r` are escapes, and `\$` (like `$$`) is a literal `$`.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { readEnvValue, statements } from "../config/dotenv";

export { readEnvValue } from "../config/dotenv";

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NEEDS_QUOTES = /[\s#'"$\\`]/;

/** The value as it goes after `KEY=`: bare when safe, else double-quoted with escapes. */
export function formatEnvValue(value: string): string {
  if (!NEEDS_QUOTES.test(value)) return value;
  const escaped = value.replace(/[\\"$\n\r]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : `\\${c}`));
  return `"${escaped}"`;
}

export interface EnvUpsertPlan {
  /** The new file text. */
  readonly text: string;
  /** Keys whose value changed or that were added, in the order of `values`. */
  readonly updatedKeys: readonly string[];
}

/** The new text after setting each `KEY=value` (lines replaced in place, missing keys appended), and which keys changed. */
export function planEnvUpsert(text: string, values: Readonly<Record<string, string>>): EnvUpsertPlan {
  const keys = Object.keys(values);
  for (const key of keys) {
    if (!ENV_KEY.test(key)) throw new Error(`"${key}" is not a valid .env key (expected [A-Za-z_][A-Za-z0-9_]*)`);
    if (typeof values[key] !== "string") throw new Error(`the value for ${key} is not a string`);
  }
  const bom = text.startsWith("\uFEFF") ? "\uFEFF" : "";
  const body = text.slice(bom.length);
  const crlf = /\r\n/.test(body) && !/(^|[^\r])\n/.test(body);
  const eol = crlf ? "\r\n" : "\n";
  const seen = new Set<string>();
  const updated = new Set<string>();
  let out = "";
  for (const st of statements(body)) {
    if (st.key === undefined || !Object.prototype.hasOwnProperty.call(values, st.key)) {
      out += st.text;
      continue;
    }
    const value = values[st.key];
    seen.add(st.key);
    if (readEnvValue(st.rawValue ?? "") === value) {
      out += st.text;
      continue;
    }
    updated.add(st.key);
    out += `${st.indent ?? ""}${st.exportPrefix ?? ""}${st.key}=${formatEnvValue(value)}${st.eol}`;
  }
  const missing = keys.filter((k) => !seen.has(k));
  if (missing.length > 0) {
    if (out !== "" && !out.endsWith("\n")) out += eol;
    for (const key of missing) {
      updated.add(key);
      out += `${key}=${formatEnvValue(values[key])}${eol}`;
    }
  }
  return { text: bom + out, updatedKeys: keys.filter((k) => updated.has(k)) };
}

export interface EnvWriteResult {
  readonly path: string;
  /** The file did not exist and was created (mode 0600). */
  readonly created: boolean;
  /** Anything was written. */
  readonly changed: boolean;
  /** Keys whose value changed or that were added. */
  readonly updatedKeys: readonly string[];
  /** `<path>.bak`, written when an existing file changed. */
  readonly backupPath?: string;
}

interface Existing {
  readonly text: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** The file itself (a symlinked .env is updated behind its link). */
  readonly realPath: string;
}

function readExisting(filePath: string): Existing | undefined {
  let realPath: string;
  try {
    realPath = fs.realpathSync(filePath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const st = fs.statSync(realPath);
  if (!st.isFile()) throw new Error(`${filePath} is not a regular file`);
  const raw = fs.readFileSync(realPath);
  const text = raw.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(raw)) {
    throw new Error(`${filePath} is not valid UTF-8: refusing to rewrite it (its other lines must stay byte for byte)`);
  }
  return { text, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, realPath };
}

/** Writes `content` to `dest` through a temp file in the same directory: fsync, rename, fsync dir. */
function writeAtomically(dest: string, content: string, mode: number, owner?: { uid: number; gid: number }): void {
  const dir = path.dirname(dest);
  const tmp = path.join(dir, `.${path.basename(dest)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fd = fs.openSync(tmp, "wx", 0o600);
  try {
    try {
      fs.fchmodSync(fd, mode);
      if (owner) chownIfPossible(fd, owner);
      fs.writeFileSync(fd, content, "utf8");
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDirectory(dir);
}

function chownIfPossible(fd: number, owner: { uid: number; gid: number }): void {
  try {
    fs.fchownSync(fd, owner.uid, owner.gid);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "EINVAL") throw err;
  }
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Not every platform can fsync a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Upserts `values` into the .env file at `filePath`. A missing file is created with mode 0600;
 * an existing one keeps its mode (and owner, when permitted), is replaced atomically, and its
 * previous content is kept as the single backup `<path>.bak` (same mode). Nothing is written
 * when no value changes.
 */
export function writeEnvFile(filePath: string, values: Readonly<Record<string, string>>): EnvWriteResult {
  const existing = readExisting(filePath);
  const plan = planEnvUpsert(existing?.text ?? "", values);
  if (existing && plan.text === existing.text) {
    return { path: filePath, created: false, changed: false, updatedKeys: [] };
  }
  if (!existing) {
    writeAtomically(filePath, plan.text, 0o600);
    return { path: filePath, created: true, changed: true, updatedKeys: plan.updatedKeys };
  }
  const owner = { uid: existing.uid, gid: existing.gid };
  const backupPath = `${filePath}.bak`;
  writeAtomically(backupPath, existing.text, existing.mode, owner);
  writeAtomically(existing.realPath, plan.text, existing.mode, owner);
  return { path: filePath, created: false, changed: true, updatedKeys: plan.updatedKeys, backupPath };
}
