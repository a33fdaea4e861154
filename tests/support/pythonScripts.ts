/** Test-side helpers for the Python scripts the components run (components/commands/pythonScripts.ts). */
import {
  AdminBootstrapInput,
  loadScript,
  ScriptName,
  VerifySynapseInput,
} from "../../components/commands/pythonScripts";

/** argv running the script inline: `[python, "-c", source]` (what scriptCommand runs). */
export function pythonInline(name: ScriptName, python = "python3"): string[] {
  return [python, "-c", loadScript(name)];
}

/** The stdin text for a script (one JSON object and a newline). */
export function scriptStdin(input: AdminBootstrapInput | VerifySynapseInput): string {
  return `${JSON.stringify(input)}\n`;
}
