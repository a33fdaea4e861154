/** Runs testbed/setup/contract-setup.sh (venvs + PostgreSQL); its output goes to this test's output. */
import { SETUP_SCRIPT } from "./paths";
import { runCommand } from "./run";

export interface SetupResult {
  durationMs: number;
  output: string;
}

export async function runContractSetup(): Promise<SetupResult> {
  const result = await runCommand(["bash", SETUP_SCRIPT], { timeoutMs: 15 * 60_000 });
  return { durationMs: result.durationMs, output: `${result.stdout}${result.stderr}` };
}
