/**
 * Recognises secret-looking values in places that are readable by anyone with access to the
 * Docker host (`docker inspect`, `ps`): container environment, labels, argv, and shell scripts
 * run by Command resources. Pure; used by `no-secrets-in-plain-container-inputs`.
 *
 * Every function returns a reason that describes the finding without repeating the value, so a
 * violation message never leaks the secret it reports.
 */

/** Names that announce a secret: `SYNAPSE_ADMIN_PASSWORD`, `--shared-secret`, `api_key`… */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|KEY)/i;

/** Names that hold a reference to a secret rather than the secret itself. */
const REFERENCE_NAME = /[_.-](FILE|FILENAME|PATH|DIR|DIRECTORY|STDIN|ENV|NAME)$/i;

/** A value the shell computes at run time: `$VAR`, `${VAR:-}`, `$(cat /run/secrets/x)`, backticks. */
const RUNTIME_VALUE = /^[$`]/;

/** Values that are plainly not secrets even under a secret-sounding name. */
const BOOLEAN = /^(true|false|yes|no|on|off)$/i;

/** An absolute or explicitly relative path (paths point at secrets, they are not secrets). */
const FILE_PATH = /^\.{0,2}\/[\w./-]*$/;

/** A URL without user information. */
const PLAIN_URL = /^[a-z][a-z0-9+.-]*:\/\/[^\s@]+$/i;

/** Why a literal `name=value` pair looks like a secret, or undefined. */
export function secretNameReason(name: string, value: string): string | undefined {
  const literal = unquote(value.trim());
  if (!SECRET_NAME.test(name) || REFERENCE_NAME.test(name) || literal === "") {
    return undefined;
  }
  if (RUNTIME_VALUE.test(literal) || BOOLEAN.test(literal) || FILE_PATH.test(literal) || PLAIN_URL.test(literal)) {
    return undefined;
  }
  return `"${name}" is named like a secret and is given a literal value`;
}

/** Detectors for values that are secrets whatever they are called. */
const VALUE_PATTERNS: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, reason: "it contains a PEM private key" },
  { pattern: /\bsy[tr]_[A-Za-z0-9_]{8,}/, reason: "it contains a Synapse access or refresh token (syt_…/syr_…)" },
  {
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/,
    reason: "it contains a JSON Web Token",
  },
  { pattern: /\bBearer\s+(?![$"'])[A-Za-z0-9._~+/-]{16,}/, reason: "it contains a literal bearer token" },
  {
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:(?![$"'])[^\s@/]+@/i,
    reason: "it contains a URL with an embedded password",
  },
];

/** Content digests (`sha256:<hex>`) are long hex strings that are not secrets. */
const DIGESTS = /\bsha(?:256|384|512):[a-fA-F0-9]{32,}/g;

/** Candidate runs of base64 / base64url / hex characters. */
const TOKEN_RUN = /[A-Za-z0-9+/_=-]{32,}/g;

/** Why a value (or a whole script) contains something secret-looking, or undefined. */
export function secretValueReason(text: string): string | undefined {
  for (const { pattern, reason } of VALUE_PATTERNS) {
    if (pattern.test(text)) {
      return reason;
    }
  }
  for (const match of text.replace(DIGESTS, " ").matchAll(TOKEN_RUN)) {
    const token = match[0].replace(/=+$/, "");
    if (looksRandom(token)) {
      return `it contains a ${token.length}-character high-entropy string (base64 or hex, like a generated key)`;
    }
  }
  return undefined;
}

/**
 * True for a run of 32+ characters that looks generated rather than written: hex with digits and
 * letters, or base64-like text with few separators (identifiers and paths have many), a high Shannon
 * entropy, and either digits scattered among the letters (names keep their digits together, as
 * in "2024") or upper and lower case mixed in similar shares (CamelCase names are mostly lower).
 */
export function looksRandom(token: string): boolean {
  if (token.length < 32) {
    return false;
  }
  if (/^[0-9a-f]+$/i.test(token)) {
    return /[0-9]/.test(token) && /[a-f]/i.test(token);
  }
  const separators = (token.match(/[_/-]/g) ?? []).length;
  const digitLetterSwitches = (token.match(/[0-9](?=[A-Za-z])|[A-Za-z](?=[0-9])/g) ?? []).length;
  const letters = token.match(/[A-Za-z]/g) ?? [];
  const upperShare = letters.filter((ch) => ch >= "A" && ch <= "Z").length / Math.max(1, letters.length);
  const entropy = shannonEntropy(token);
  const scatteredDigits =
    separators * 10 <= token.length &&
    digitLetterSwitches >= Math.max(3, Math.floor(token.length / 10)) &&
    entropy >= 3.7;
  const randomCase = separators * 4 <= token.length && upperShare >= 0.25 && upperShare <= 0.75 && entropy >= 4.1;
  return scatteredDigits || randomCase;
}

/** Bits per character of `text`'s character distribution. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A secret found at a named place (`envs[2] (POSTGRES_PASSWORD)`, `create`…). */
export interface SecretFinding {
  /** Where the value sits, for the message. */
  readonly where: string;
  /** Why it looks secret (never the value itself). */
  readonly reason: string;
}

/** Why a single `NAME=value` / `--flag=value` / plain argument looks secret, or undefined. */
function wordReason(word: string): string | undefined {
  const assignment = /^(?:--?)?([A-Za-z_][\w.-]*)=([\s\S]*)$/.exec(word);
  return (assignment ? secretNameReason(assignment[1], assignment[2]) : undefined) ?? scriptReason(word);
}

/**
 * Checks an argv array (container `command`, `entrypoints`, healthcheck `tests`): each element
 * on its own, and each `--secret-flag value` pair.
 */
export function argvFindings(field: string, argv: readonly { index: number; value: string }[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  argv.forEach(({ index, value }, position) => {
    const reason = wordReason(value);
    if (reason !== undefined) {
      findings.push({ where: `${field}[${index}]`, reason });
      return;
    }
    const flag = /^--?([A-Za-z][\w.-]*)$/.exec(value);
    const next = argv[position + 1];
    if (flag && next !== undefined && !next.value.startsWith("-")) {
      const pairReason = secretNameReason(flag[1], next.value);
      if (pairReason !== undefined) {
        findings.push({ where: `${field}[${next.index}] (the value of ${value})`, reason: pairReason });
      }
    }
  });
  return dedupe(findings);
}

/** `NAME=value` assignments in a shell script (`FOO=bar cmd`, `export FOO="bar"`). */
const SHELL_ASSIGNMENT = /(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;&|)]*)/g;

/** `--flag value` / `--flag=value` pairs in a shell script. */
const SHELL_FLAG = /(?:^|\s)--?([A-Za-z][\w.-]*)(?:=|\s+)("[^"]*"|'[^']*'|[^\s;&|)-][^\s;&|)]*)/g;

/** `"password": "literal"` in JSON embedded in a script (e.g. a curl body). */
const JSON_MEMBER = /"([\w.-]+)"\s*:\s*"([^"'$\\]+)"/g;

/** A heredoc (`<<EOF`, `<<'PY'` … terminator): its body is data or code for another program. */
const HEREDOC = /(<<-?[ \t]*(["']?)(\w+)\2[^\n]*\n)([\s\S]*?)(\n[ \t]*\3[ \t]*(?:\n|$))/g;

/** An escaped character, or a single-quoted string (one shell word, no expansion inside). */
const ESCAPE_OR_SINGLE_QUOTED = /\\[\s\S]|'[^']*'/g;

/**
 * The script with embedded programs masked: heredoc bodies and single-quoted strings that hold
 * more than one word (`python3 -c '<code>'`) become `'…'`. Python's `token=token` inside them is
 * code, not a shell assignment; the value detectors still run on the unmasked script.
 */
export function maskEmbeddedCode(script: string): string {
  return script
    .replace(HEREDOC, (_m, head: string, _q: string, _d: string, _body: string, tail: string) => `${head}…${tail}`)
    .replace(ESCAPE_OR_SINGLE_QUOTED, (m) => (m.startsWith("'") && /\s/.test(m) ? "'…'" : m));
}

/** Why a shell script (or one argument) contains something secret-looking, or undefined. */
export function scriptReason(script: string): string | undefined {
  const shellText = maskEmbeddedCode(script);
  for (const [pattern, text] of [
    [SHELL_ASSIGNMENT, shellText],
    [SHELL_FLAG, shellText],
    [JSON_MEMBER, script],
  ] as const) {
    for (const match of text.matchAll(pattern)) {
      const reason = secretNameReason(match[1], match[2]);
      if (reason !== undefined) {
        return reason;
      }
    }
  }
  return secretValueReason(script);
}

function unquote(value: string): string {
  const quoted = /^(["'])([\s\S]*)\1$/.exec(value);
  return quoted ? quoted[2] : value;
}

/** One finding per place (an argument can be both a secret flag's value and a token). */
function dedupe(findings: SecretFinding[]): SecretFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const first = !seen.has(f.where);
    seen.add(f.where);
    return first;
  });
}
