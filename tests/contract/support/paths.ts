/**
 * Where the contract tests find the components `testbed/setup/contract-setup.sh` installs, and where
 * they keep their own run files. Versions come from config/versions.ts (the one place).
 */
import * as crypto from "node:crypto";
import * as path from "node:path";
import { EQMD_SYNAPSE_VERSION, SYNAPSE_VERSION } from "../../../config/versions";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/**
 * Where testbed/setup/contract-setup.sh puts the venvs (it reads the same variable). Outside the
 * checkout: Synapse runs as the container's UID and PostgreSQL as `postgres`, and neither can
 * enter a checkout under a private folder such as root's home.
 */
export const CONTRACT_CACHE = process.env.EQMD_CONTRACT_CACHE ?? "/var/cache/eqmd-matrix/contract";

export const SETUP_SCRIPT = path.join(REPO_ROOT, "testbed", "setup", "contract-setup.sh");

/** The Django project that plays eqmd's OpenID provider. */
export const PROVIDER_PROJECT = path.join(REPO_ROOT, "testbed", "oidc-provider");

/** Venv with django-oidc-provider + Django. */
export const PROVIDER_VENV = path.join(CONTRACT_CACHE, "provider");

/**
 * The runs' private files and process logs, one folder per checkout, outside it for the same
 * reason as CONTRACT_CACHE (the setup script makes its parents enterable).
 */
export const WORK_DIR = path.join(
  path.dirname(CONTRACT_CACHE),
  "work",
  crypto.createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 12),
);

/** Venv with `matrix-synapse[postgres]==<version>`. */
export function synapseVenv(version: string): string {
  return path.join(CONTRACT_CACHE, `synapse-${version}`);
}

/** The Synapse versions the contract covers: the image tag's, then eqmd's pin (if different). */
export const CONTRACT_SYNAPSE_VERSIONS: readonly string[] = [...new Set([SYNAPSE_VERSION, EQMD_SYNAPSE_VERSION])];

/** The venv's interpreter. */
export function venvPython(venv: string): string {
  return path.join(venv, "bin", "python");
}
