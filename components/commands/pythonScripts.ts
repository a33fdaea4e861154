/**
 * The Python helper scripts that run through an exec target (inside the Synapse container, or
 * on this host) or in eqmd's Django (`manage.py shell`): their source, the short command line
 * that runs them, and the shape of the JSON each reads. The source travels on stdin, not in
 * argv, so a diff or a process list shows one short, stable line (a loader and the script's
 * name and digest); secrets travel on stdin too, never in argv.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ExecTarget } from "../../config/settings";
import { execLine, scriptDigest } from "./exec";

export type ScriptName = "admin_bootstrap" | "verify_synapse" | "exempt_ratelimits" | "verify_workers";

/** Code run by `manage.py shell` in eqmd's Django (components/commands/scripts/<name>.py). */
export type ShellScriptName = "clear_stale_rooms" | "check_localparts" | "oidc_redirect_uris";

/** Environment variables `admin_bootstrap` reads (passed through `docker exec -e NAME`). */
export const ADMIN_BOOTSTRAP_ENV: readonly string[] = ["PULUMI_COMMAND_STDOUT"];

/** stdin of `admin_bootstrap.py` (one JSON object). */
export interface AdminBootstrapInput {
  /** Synapse's client listener as seen where the script runs, e.g. "http://localhost:8008". */
  readonly base_url: string;
  /** Synapse's registration_shared_secret. */
  readonly shared_secret: string;
  /** Admin localpart (lower case). */
  readonly username: string;
  /** Password the admin is registered with. */
  readonly password: string;
  /** Synapse's server_name. */
  readonly server_name: string;
  /** Overall time budget, seconds (Synapse may still be starting). */
  readonly deadline_seconds: number;
}

/** stdin of `verify_synapse.py` (one JSON object). */
export interface VerifySynapseInput {
  /** Synapse's client listener as seen where the script runs. */
  readonly base_url: string;
  /** Identity provider id Synapse must offer ("oidc-<providerId>"); null when OIDC is off. */
  readonly idp_id: string | null;
  /** OpenID issuer whose JWKS must hold an RSA key; null to skip. */
  readonly issuer: string | null;
  /** Admin access token checked against the admin API; null to skip. */
  readonly admin_token: string | null;
  /** The admin's user id. */
  readonly admin_user_id: string;
  /** Overall time budget, seconds. */
  readonly deadline_seconds: number;
}

/** stdin of `verify_workers.py` (one JSON object). */
export interface VerifyWorkersInput {
  /** The worker router as seen where the script runs, e.g. "http://eqmd_matrix_router:8008". */
  readonly router_url: string;
  /** The response header naming the process that served a request. */
  readonly header: string;
  /** An access token for the authenticated requests (the admin's). */
  readonly admin_token: string;
  /** One request per routed kind, and the process (a regular expression) that must serve it. */
  readonly checks: readonly { readonly kind: string; readonly path: string; readonly expect: string }[];
  /** Overall time budget, seconds. */
  readonly deadline_seconds: number;
}

/** stdin of `exempt_ratelimits.py` (one JSON object). */
export interface ExemptRatelimitsInput {
  /** Synapse's client listener as seen where the script runs. */
  readonly base_url: string;
  /** The admin's access token (calls the admin API). */
  readonly admin_token: string;
  /** Access tokens of the users to exempt (each found with whoami). */
  readonly tokens: readonly string[];
  /** Overall time budget, seconds. */
  readonly deadline_seconds: number;
}

const scriptFile = (name: string) => fs.readFileSync(path.join(__dirname, "scripts", `${name}.py`), "utf8");

/**
 * Source of `components/commands/scripts/<name>.py`, with the HTTP helpers it shares with the
 * other script (`synapse_http.py`) in front: it travels as one text.
 */
export function loadScript(name: ScriptName): string {
  return `${scriptFile("synapse_http")}\n\n${scriptFile(name)}`;
}

/**
 * The Python the command line carries for a script of `name`: it reads `{"script", "input"}`
 * from stdin, hands the script `input` as its own stdin (JSON) and runs it as `__main__`. The
 * trailing comment names the script and its digest, so a diff says which code changed.
 */
export function scriptLoader(name: ScriptName): string {
  return (
    'import io,json,sys;m=json.load(sys.stdin);sys.stdin=io.StringIO(json.dumps(m["input"]));' +
    `exec(compile(m["script"],"${name}.py","exec"),{"__name__":"__main__"})` +
    ` # ${name}.py sha256:${scriptDigest(loadScript(name))}`
  );
}

/**
 * The shell command line running a script through `exec`, with `envNames` passed through the
 * exec prefix. For `admin_bootstrap` use `ADMIN_BOOTSTRAP_ENV`. Its stdin is `scriptStdin`.
 */
export function scriptCommand(
  name: ScriptName,
  exec: ExecTarget,
  envNames: readonly string[] = [],
  python = "python3",
): string {
  return execLine(exec, [python, "-c", scriptLoader(name)], envNames);
}

/** The stdin fields of `scriptCommand`: the source and the script's own input (JSON object). */
export function scriptStdinFields<T>(name: ScriptName, input: T): { script: string; input: T } {
  return { script: loadScript(name), input };
}

/** Source of a `manage.py shell` script (it imports eqmd's models, so it runs in Django). */
export function shellScript(name: ShellScriptName): string {
  return scriptFile(name);
}

/**
 * `manage.py shell -c` arguments running the code sent on stdin (Django's shell reads stdin on
 * its own only when data is ready at once, so the loader reads it explicitly).
 */
export function shellLoaderArgs(name: ShellScriptName): string[] {
  return [
    "shell",
    "-c",
    `import sys;exec(sys.stdin.read(),{"__name__":"__main__"}) # ${name}.py sha256:${scriptDigest(shellScript(name))}`,
  ];
}
