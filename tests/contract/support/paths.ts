/**
 * Where the contract tests find the components `scripts/contract-setup.sh` installs, and where
 * they keep their own run files. Versions come from components/versions.ts (the one place).
 */
import * as path from "node:path";
import { EQMD_SYNAPSE_VERSION, SYNAPSE_VERSION } from "../../../components/versions";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** Git-ignored cache filled by scripts/contract-setup.sh. */
export const CONTRACT_CACHE = path.join(REPO_ROOT, ".cache", "contract");

export const SETUP_SCRIPT = path.join(REPO_ROOT, "scripts", "contract-setup.sh");

/** The Django project that plays eqmd's OpenID provider. */
export const PROVIDER_PROJECT = path.join(REPO_ROOT, "tests", "contract", "oidc-provider");

/** Venv with django-oidc-provider + Django. */
export const PROVIDER_VENV = path.join(CONTRACT_CACHE, "provider");

/** Git-ignored directory for the runs' private files and process logs. */
export const WORK_DIR = path.join(REPO_ROOT, "tests", "contract", ".work");

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
