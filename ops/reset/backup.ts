/**
 * `--backup <dir>`: the same backup as `npm run backup` (ops/backup/), taken after the
 * confirmation and before anything is destroyed, into `<dir>/<stack>-<UTC time>/`.
 */
import { programVersion } from "../backup/program";
import { BackupResult, takeBackup } from "../backup/run";
import { ResetFacts } from "./facts";
import { ResetDeps } from "./types";

export type { BackupResult };

export function runBackup(
  deps: Pick<ResetDeps, "runCommand" | "now">,
  facts: ResetFacts,
  dir: string,
  say: (line: string) => void,
): Promise<BackupResult> {
  return takeBackup(deps, facts, { to: dir, program: programVersion(), progressIntervalMs: 5_000 }, say);
}
