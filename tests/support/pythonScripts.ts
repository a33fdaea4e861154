/** Test-side helpers for the Python scripts the components run (components/commands/pythonScripts.ts). */
import {
  AdminBootstrapInput,
  ExemptRatelimitsInput,
  scriptLoader,
  ScriptName,
  scriptStdinFields,
  VerifySynapseInput,
} from "../../components/commands/pythonScripts";

/** argv running the script: `[python, "-c", loader]` (what scriptCommand runs; the source on stdin). */
export function pythonInline(name: ScriptName, python = "python3"): string[] {
  return [python, "-c", scriptLoader(name)];
}

/** The stdin text for a script: its source and its input, one JSON object and a newline. */
export function scriptStdin(name: "admin_bootstrap", input: AdminBootstrapInput | Record<string, unknown>): string;
export function scriptStdin(name: "verify_synapse", input: VerifySynapseInput | Record<string, unknown>): string;
export function scriptStdin(name: "exempt_ratelimits", input: ExemptRatelimitsInput | Record<string, unknown>): string;
export function scriptStdin(name: ScriptName, input: unknown): string {
  return `${JSON.stringify(scriptStdinFields(name, input))}\n`;
}
