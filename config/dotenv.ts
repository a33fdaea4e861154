/**
 * Reading eqmd's `.env` as docker compose does (compose-go's dotenv parser): unquoted values
 * lose a ` #…` comment and trailing spaces; inside double quotes `\\`, `\"`, `\$`, `\n`, `\r`,
 * `\t` are escapes; single quotes are literal; `$$` and `\$` are a literal `$`; `${VAR}`,
 * `$VAR`, `${VAR:-default}` and `${VAR-default}` take VAR from the lines above. Used by the
 * writer (ops/envFile.ts) and by the consistency check (envFileCheck.ts). Pure.
 */

/** `[indent][export ]KEY[spaces]=rest` (compose also accepts `.` in names). */
const ASSIGNMENT = /^(\s*)(export\s+)?([A-Za-z_][A-Za-z0-9_.]*)(\s*)=(.*)$/;

/** A variable's value for interpolation, or undefined when it is not set. */
export type EnvLookup = (name: string) => string | undefined;

/**
 * What compose would read from a value text (everything after `=`, possibly several lines for
 * a quoted value), or undefined when it is not understood, or uses interpolation and `lookup`
 * is not given (or cannot resolve it).
 */
export function readEnvValue(raw: string, lookup?: EnvLookup): string | undefined {
  const text = raw.replace(/^[ \t]+/, "");
  const quote = text[0];
  if (quote === "'" || quote === '"') {
    let out = "";
    for (let i = 1; i < text.length; i++) {
      const c = text[i];
      if (c === "\\" && i + 1 < text.length) {
        const next = text[i + 1];
        i++;
        if (next === quote) out += next;
        else if (quote === "'") out += c + next;
        else if (next === "\\" || next === "$") out += next === "$" ? "\u0000$" : "\\";
        else if (next === "n") out += "\n";
        else if (next === "r") out += "\r";
        else if (next === "t") out += "\t";
        else return undefined;
        continue;
      }
      if (c === quote) {
        const rest = text.slice(i + 1).trim();
        if (rest !== "" && !rest.startsWith("#")) return undefined;
        return quote === "'" ? out : expandDollars(out, lookup);
      }
      out += c;
    }
    return undefined;
  }
  const cut = text.split(/\r?\n/)[0];
  const hash = cut.indexOf(" #");
  return expandDollars((hash >= 0 ? cut.slice(0, hash) : cut).replace(/\s+$/, ""), lookup);
}

/** `${NAME}`, `${NAME:-x}`, `${NAME-x}` (x literal) or `$NAME` at the start of `text`. */
const REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}$]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/;

/**
 * `$$` → `$`; a NUL-marked `$` (from `\$`) → `$`; a reference → its value from `lookup`;
 * any other `$`, or a reference without a lookup or a value: undefined (not knowable here).
 */
function expandDollars(value: string, lookup?: EnvLookup): string | undefined {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\u0000" && value[i + 1] === "$") {
      out += "$";
      i++;
    } else if (c === "$" && value[i + 1] === "$") {
      out += "$";
      i++;
    } else if (c === "$") {
      const m = lookup ? REFERENCE.exec(value.slice(i)) : null;
      if (!m || !lookup) return undefined;
      const name = m[1] ?? m[4];
      const found = lookup(name);
      const useDefault = m[2] === ":-" ? !found : m[2] === "-" ? found === undefined : false;
      const resolved = useDefault ? m[3] : found;
      if (resolved === undefined) return undefined;
      out += resolved;
      i += m[0].length - 1;
    } else out += c;
  }
  return out;
}

export interface Statement {
  /** Source text of the statement, including its line ending(s). */
  readonly text: string;
  readonly key?: string;
  readonly indent?: string;
  readonly exportPrefix?: string;
  /** Everything after `=` up to the statement's last line ending. */
  readonly rawValue?: string;
  /** The statement's final line ending ("", "\n" or "\r\n"). */
  readonly eol: string;
}

/** Splits text into statements: single lines, or an assignment whose quoted value spans lines. */
export function statements(text: string): Statement[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const out: Statement[] = [];
  for (let i = 0; i < lines.length; i++) {
    let chunk = lines[i];
    const first = chunk.replace(/\r?\n$/, "");
    const m = ASSIGNMENT.exec(first);
    if (!m) {
      out.push({ text: chunk, eol: chunk.slice(first.length) });
      continue;
    }
    const valueStart = m[5].replace(/^[ \t]+/, "");
    const quote = valueStart[0];
    if (quote === "'" || quote === '"') {
      while (!closesQuote(chunkValue(chunk, m), quote) && i + 1 < lines.length) chunk += lines[++i];
    }
    const body = chunk.replace(/\r?\n$/, "");
    out.push({
      text: chunk,
      key: m[3],
      indent: m[1],
      exportPrefix: m[2] ?? "",
      rawValue: body.slice(body.indexOf("=") + 1),
      eol: chunk.slice(body.length),
    });
  }
  return out;
}

function chunkValue(chunk: string, m: RegExpExecArray): string {
  return chunk.slice(m[1].length + (m[2] ?? "").length + m[3].length + m[4].length + 1);
}

function closesQuote(value: string, quote: string): boolean {
  const text = value.replace(/^[ \t]+/, "");
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return true;
  }
  return false;
}

/** One key of a `.env` as compose reads it: its value, or undefined when it cannot be known here. */
export interface EnvEntry {
  readonly value: string | undefined;
  /** The text after `=` (for messages when `value` is undefined). */
  readonly raw: string;
}

/**
 * Every key of a `.env` text, as compose reads it: a later line wins, and a reference takes
 * the value of a key above it (a variable of the shell that runs compose is not known here).
 */
export function readEnvFile(text: string): Map<string, EnvEntry> {
  const entries = new Map<string, EnvEntry>();
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  for (const st of statements(body)) {
    if (st.key === undefined) continue;
    const raw = (st.rawValue ?? "").trim();
    entries.set(st.key, { value: readEnvValue(st.rawValue ?? "", (name) => entries.get(name)?.value), raw });
  }
  return entries;
}
