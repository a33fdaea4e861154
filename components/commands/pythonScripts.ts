/**
 * The Python helper scripts that run through an exec target (inside the Synapse container, or
 * on this host): their source, the argv that runs them inline, and the shape of the JSON each
 * reads from stdin. The code travels in argv (it is not secret); secrets travel on stdin.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ExecTarget } from "../../config/settings";
import { execLine } from "./exec";

export type ScriptName = "admin_bootstrap" | "verify_synapse";

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

const scriptFile = (name: string) => fs.readFileSync(path.join(__dirname, "scripts", `${name}.py`), "utf8");

/**
 * Source of `components/commands/scripts/<name>.py`, with the HTTP helpers it shares with the
 * other script (`synapse_http.py`) in front: the code travels inline, so it is one text.
 */
export function loadScript(name: ScriptName): string {
  return `${scriptFile("synapse_http")}\n\n${scriptFile(name)}`;
}

/**
 * The shell command line running a script through `exec`, with `envNames` passed through the
 * exec prefix. For `admin_bootstrap` use `ADMIN_BOOTSTRAP_ENV`.
 */
export function scriptCommand(
  name: ScriptName,
  exec: ExecTarget,
  envNames: readonly string[] = [],
  python = "python3",
): string {
  return execLine(exec, [python, "-c", loadScript(name)], envNames);
}

/**
 * The `clearStaleRooms` step's code, for `manage.py shell -c` in eqmd's Django (it imports
 * eqmd's room models, so it runs there and not in the Synapse container).
 */
export function clearStaleRoomsCode(): string {
  return scriptFile("clear_stale_rooms");
}
