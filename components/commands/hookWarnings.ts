/**
 * eqmd's management commands report partial failure on stdout and still exit 0: a warning line
 * per user whose invite, DM room or deactivation failed, or who got a fallback Matrix id. These
 * are the lines, found and masked, so a hook's success can mean the work was done. Pure.
 *
 * The markers are eqmd's own wording (apps/matrix_integration/management/commands/
 * matrix_provision_rooms.py and matrix_sync_lifecycle.py, `self.style.WARNING(...)`).
 */

/** Each text starts one of eqmd's warning lines (after colour codes and indentation). */
export const EQMD_WARNING_MARKERS: readonly string[] = [
  "Invite skipped for ", // matrix_provision_rooms: invite to the global room refused
  "DM room skipped for ", // matrix_provision_rooms: the bot could not create the DM room
  "Deactivate failed: ", // matrix_sync_lifecycle: admin deactivate refused
  "Kick failed for ", // matrix_sync_lifecycle: kick from the global room refused
  "Matrix localpart missing for ", // both: "... Using fallback @u_<uuid>:<server>"
];

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

const MASK = "(masked)";

/** Token-shaped text that must never reach a log, whatever line it is in. */
const TOKEN_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // Synapse access, refresh and login tokens (syt_/syr_/syl_), MAS compatibility tokens (mct_).
  [/\b(syt|syr|syl|mct)_[A-Za-z0-9_=-]+/g, `$1_${MASK}`],
  [/(Bearer\s+)\S+/gi, `$1${MASK}`],
  // KEY=value with a credential-like key (MATRIX_BOT_ACCESS_TOKEN=…, client_secret=…).
  [/\b([A-Za-z0-9_]*(?:TOKEN|SECRET|PASSWORD|token|secret|password))=\S+/g, `$1=${MASK}`],
  // JSON fields with the same names ("access_token": "…").
  [/("[A-Za-z_]*(?:token|secret|password)"\s*:\s*")[^"]*"/gi, `$1${MASK}"`],
];

/** Shortest value masked by exact match: shorter ones would blank ordinary words. */
const MIN_SECRET_LENGTH = 8;

/** `line` with every known secret value and every token-shaped text replaced by "(masked)". */
export function maskSecrets(line: string, secrets: readonly string[] = []): string {
  let out = line;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(MASK);
  }
  for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** eqmd's warning lines in a command's output, cleaned (no colour codes, `\r`, indentation) and masked. */
export function findWarnings(stdout: string, secrets: readonly string[] = []): string[] {
  return stdout
    .replace(ANSI, "")
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => EQMD_WARNING_MARKERS.some((marker) => line.startsWith(marker)))
    .map((line) => maskSecrets(line, secrets));
}

/** One message for the `up` output: what ran, how many warnings, and each line. */
export function describeWarnings(what: string, warnings: readonly string[]): string {
  return [
    `${what} reported ${warnings.length} warning(s) on its last run, although it exited 0:`,
    ...warnings.map((w) => `  ${w}`),
  ].join("\n");
}
