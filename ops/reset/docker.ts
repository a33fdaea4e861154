/** Docker commands of a reset: the environment that selects the Docker host, the media wipe. */
import { dockerEnv } from "../../components/dockerEnv";
import { ResetFacts } from "./facts";
import { CommandSpec, ResetDeps } from "./types";

export function volumeRemoveCommand(facts: ResetFacts): CommandSpec {
  return { argv: ["docker", "volume", "rm", facts.mediaVolume], env: dockerEnv(facts) };
}

export type WipeResult =
  { readonly ok: true; readonly removed: boolean } | { readonly ok: false; readonly message: string };

/** Deletes the media volume; a volume that is already gone counts as wiped. */
export async function wipeMediaVolume(deps: Pick<ResetDeps, "runCommand">, facts: ResetFacts): Promise<WipeResult> {
  const result = await deps.runCommand(volumeRemoveCommand(facts));
  if (result.exitCode === 0) return { ok: true, removed: true };
  if (/no such volume/i.test(result.stderr)) return { ok: true, removed: false };
  return { ok: false, message: lastLines(result.stderr) || `docker volume rm exited with code ${result.exitCode}` };
}

/** The tail of a command's stderr, enough to say why it failed. */
export function lastLines(text: string, count = 5): string {
  return text.trim().split("\n").slice(-count).join("\n");
}
