/**
 * The /bin/sh script the OidcClient component runs: optionally `manage.py migrate`, then
 * `creatersakey` only when django-oidc-provider has no RSA key yet (creatersakey adds a key on
 * every run), then `setup_synapse_oidc_client`, whose output (it carries the client secret) is
 * the script's stdout. Each Django step runs through the exec target; progress goes to stderr.
 */
import type { ExecTarget } from "../../config/settings";
import { execLine, scriptDigest, shellQuote, stdinScriptLine, withheldOnFailure } from "./exec";
import { shellScript } from "./pythonScripts";

export interface OidcClientScriptOptions {
  /** How to invoke manage.py, e.g. ["python", "manage.py"]. */
  readonly managePy: readonly string[];
  /** Where the Django commands run. */
  readonly exec: ExecTarget;
  /** OIDC client id registered in Django (Synapse's `client_id`). */
  readonly clientId: string;
  /** Synapse's public host name; the redirect URI is https://<fqdn>/_synapse/client/oidc/callback. */
  readonly matrixFqdn: string;
  /** Run `manage.py migrate --noinput` first. */
  readonly migrate: boolean;
  /** Synapse's callback (public_baseurl + _synapse/client/oidc/callback): must be registered exactly. */
  readonly callbackUri: string;
}

/** Python run by `manage.py shell -c` to count the provider's RSA keys; prints `RSAKEYS=<n>`. */
export const RSA_KEY_COUNT_CODE =
  "from oidc_provider.models import RSAKey; print('RSAKEYS=%d' % RSAKey.objects.count())";

/**
 * The `manage.py shell` code that stores the client's redirect URIs one a line (eqmd joins them
 * with spaces, the library splits on new lines) and requires Synapse's callback among them.
 */
export function redirectUrisCode(clientId: string, callbackUri: string): string {
  // JSON string literals are Python string literals too.
  return `_CLIENT_ID = ${JSON.stringify(clientId)}\n_CALLBACK = ${JSON.stringify(callbackUri)}\n${shellScript("oidc_redirect_uris")}`;
}

/**
 * A /bin/sh pipeline printing the digits of the last `MARKER=<digits>` line of "$<variable>",
 * only where the line starts with the marker (colour codes and `\r` removed first): Django
 * 5.2's shell prints its auto-import report on stdout too, and no other line may be read.
 */
export function markedDigits(variable: string, marker: string): string {
  return (
    `printf '%s\\n' "$${variable}" | tr -d '\\r' | sed -e "s/$(printf '\\033')\\[[0-9;]*m//g" ` +
    `-n -e 's/^${marker}=\\([0-9][0-9]*\\)[[:space:]]*$/\\1/p' | tail -n 1`
  );
}

function say(message: string): string {
  return `echo ${shellQuote(`eqmd-matrix: ${message}`)} >&2`;
}

/**
 * The `create` line for `oidcClientScript` sent on stdin: what a diff shows, i.e. the client id,
 * the FQDN and the script's digest (any other option changes the script, so the digest).
 */
export function oidcClientLine(opts: OidcClientScriptOptions): string {
  const args = JSON.stringify({ clientId: opts.clientId, matrixFqdn: opts.matrixFqdn });
  return stdinScriptLine(`setup_synapse_oidc_client ${args} script sha256:${scriptDigest(oidcClientScript(opts))}`);
}

/** The script text (run by `/bin/sh -c`, or sent on stdin to `oidcClientLine`). */
export function oidcClientScript(opts: OidcClientScriptOptions): string {
  if (opts.managePy.length === 0)
    throw new Error('oidcClientScript: managePy is empty (expected e.g. ["python", "manage.py"])');
  const manage = (args: readonly string[]): string => execLine(opts.exec, [...opts.managePy, ...args]);
  const lines: string[] = ["set -eu"];
  if (opts.migrate) {
    lines.push(say("running manage.py migrate --noinput"), `${manage(["migrate", "--noinput"])} >&2`);
  }
  lines.push(
    say("counting django-oidc-provider RSA keys"),
    `if ! rsakeys_out=$(${manage(["shell", "-c", RSA_KEY_COUNT_CODE])}); then`,
    `  ${say("manage.py shell failed while counting RSA keys (see the error above); check django.exec and django.managePy")}`,
    "  exit 1",
    "fi",
    `rsakeys=$(${markedDigits("rsakeys_out", "RSAKEYS")})`,
    'if [ -z "$rsakeys" ]; then',
    `  ${say("manage.py shell printed no RSAKEYS=<n> line: is django-oidc-provider installed in this Django project?")}`,
    "  exit 1",
    "fi",
    'if [ "$rsakeys" -eq 0 ]; then',
    `  ${say("no RSA key yet: running manage.py creatersakey")}`,
    `  ${manage(["creatersakey"])} >&2`,
    "else",
    `  echo "eqmd-matrix: $rsakeys RSA key(s) present: not creating another" >&2`,
    "fi",
    say(`running manage.py setup_synapse_oidc_client for client ${opts.clientId}`),
    // The secret line is required here, not only in the program's parse: output without it,
    // once recorded as the command's stdout, would fail every later `up` in that parse, because
    // an unchanged command never runs again (seen on the real engine with garbage output).
    // The redirect-URI repair runs inside the same withheld run, its output on stderr: if it
    // fails, the secret setup printed is not shown (the step's stdout is only setup's output).
    withheldOnFailure(
      `${manage(["setup_synapse_oidc_client", "--client-id", opts.clientId, "--matrix-fqdn", opts.matrixFqdn])} && ` +
        `${manage(["shell", "-c", redirectUrisCode(opts.clientId, opts.callbackUri)])} >&2`,
      "manage.py setup_synapse_oidc_client",
      {
        pattern: "SYNAPSE_OIDC_CLIENT_SECRET=[^[:space:]]",
        missing:
          "printed no SYNAPSE_OIDC_CLIENT_SECRET=<secret> line. Nothing was recorded, so the next up runs it again; run it by hand in eqmd's Django container and compare its output with eqmd's command",
      },
    ),
  );
  return `${lines.join("\n")}\n`;
}
