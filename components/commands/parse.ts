/**
 * Pure parsers for the output of the declared commands. Outputs may carry secrets, so no error
 * message here ever quotes the output itself: only counts, key names and fixed markers.
 */

/** ANSI escape sequences (CSI like colours, OSC like hyperlinks/titles, and lone two-byte escapes). */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

const KEY_VALUE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** Output lines with `\r`, colour codes and surrounding spaces removed. */
function cleanLines(stdout: string): string[] {
  return stdout
    .replace(ANSI, "")
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim());
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

function describeOutput(lines: readonly string[]): string {
  const nonEmpty = lines.filter((l) => l !== "").length;
  return `${nonEmpty} non-empty line(s), not shown because they may contain secrets`;
}

/**
 * `KEY=value` lines of a command's output for the given keys (last occurrence wins; `export`
 * prefixes, `\r`, colour codes and leading spaces are tolerated; one pair of surrounding quotes
 * is removed). Throws naming every key that is missing or empty.
 */
export function parseKeyValueLines(stdout: string, keys: readonly string[]): Record<string, string> {
  const wanted = new Set(keys);
  const found = new Map<string, string>();
  const lines = cleanLines(stdout);
  for (const line of lines) {
    const m = KEY_VALUE.exec(line);
    if (m && wanted.has(m[1])) found.set(m[1], unquote(m[2]));
  }
  const missing = keys.filter((k) => !found.get(k));
  if (missing.length > 0) {
    throw new Error(
      `expected ${missing.map((k) => `a ${k}=<value> line`).join(", ")} in the command output, found none with a value ` +
        `(output: ${describeOutput(lines)})`,
    );
  }
  const result: Record<string, string> = {};
  for (const k of keys) result[k] = found.get(k) ?? "";
  return result;
}

/**
 * The value of the one line of `manage.py shell` output that starts with `MARKER=` (after colour
 * codes and `\r` are removed; the last such line wins). Every other line is ignored: Django 5.2's
 * shell prints its auto-import report ("77 objects imported automatically …") on stdout first,
 * and any line that merely contains the marker further in is not the code's own line.
 */
export function markedLine(stdout: string, marker: string): string {
  const prefix = `${marker}=`;
  const lines = stdout.replace(ANSI, "").split(/\r\n|\r|\n/);
  const own = lines.filter((l) => l.startsWith(prefix));
  const last = own[own.length - 1];
  if (last === undefined) {
    throw new Error(`manage.py shell printed no ${prefix}<value> line (output: ${describeOutput(lines)})`);
  }
  return last.slice(prefix.length).trim();
}

const SECRET_KEY = "SYNAPSE_OIDC_CLIENT_SECRET";
const BANNER = "Setting up OIDC client for Matrix Synapse";
const DONE = "Synapse OIDC client setup complete";

/** The client secret from `manage.py setup_synapse_oidc_client` output (its `KEY=value` line). */
export function parseClientSecret(stdout: string): string {
  let value: string;
  try {
    value = parseKeyValueLines(stdout, [SECRET_KEY])[SECRET_KEY];
  } catch {
    const lines = cleanLines(stdout);
    const ran = lines.some((l) => l.includes(BANNER));
    const done = lines.some((l) => l.includes(DONE));
    const hint = !ran
      ? `its banner "${BANNER}..." is missing too, so the command probably did not run: check django.exec, django.managePy and that eqmd's Django has the setup_synapse_oidc_client command`
      : !done
        ? "it started but did not report completion: run it by hand in the Django container to see the error"
        : "it reported completion but in an unexpected format: compare with eqmd's setup_synapse_oidc_client";
    throw new Error(
      `setup_synapse_oidc_client printed no ${SECRET_KEY}=<secret> line (output: ${describeOutput(lines)}); ${hint}`,
    );
  }
  if (/\s/.test(value)) {
    throw new Error(
      `setup_synapse_oidc_client printed a ${SECRET_KEY} value containing whitespace (${value.length} characters, not shown): expected one token`,
    );
  }
  return value;
}

export interface AdminBootstrapResult {
  readonly userId: string;
  readonly accessToken: string;
  /** Empty when the token came from the admin login-as-user API. */
  readonly deviceId: string;
}

/** The result line of `admin_bootstrap.py`: the last line of stdout that is a JSON object. */
export function parseAdminBootstrap(stdout: string): AdminBootstrapResult {
  const lines = cleanLines(stdout);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (!line.startsWith("{")) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
    const obj = value as Record<string, unknown>;
    const userId = obj["user_id"];
    const accessToken = obj["access_token"];
    const deviceId = obj["device_id"];
    if (
      typeof userId !== "string" ||
      !userId.startsWith("@") ||
      typeof accessToken !== "string" ||
      accessToken === ""
    ) {
      throw new Error(
        `the admin bootstrap's result line lacks ${typeof userId === "string" ? "" : "user_id "}${typeof accessToken === "string" && accessToken ? "" : "access_token "}` +
          '(expected {"user_id","access_token","device_id"})',
      );
    }
    return { userId, accessToken, deviceId: typeof deviceId === "string" ? deviceId : "" };
  }
  throw new Error(
    `the admin bootstrap printed no JSON result line (output: ${describeOutput(lines)}); its stderr says why`,
  );
}
