/** The real ResetDeps of a command-line run: the terminal, child processes, the clock, eqmd's .env check. */
import { checkEnvFile } from "../../config/envFileCheck";
import { prompt, runCommand } from "./node";
import { ResetDeps, ResetStack } from "./types";

export function realDeps(stack: ResetStack, projectDir: string): ResetDeps {
  return {
    stack,
    isTTY: process.stdin.isTTY === true,
    prompt,
    runCommand,
    now: () => new Date(),
    write: (text) => process.stdout.write(text),
    writeError: (text) => process.stderr.write(text),
    envCheck: (settings) => checkEnvFile(settings, projectDir),
  };
}
