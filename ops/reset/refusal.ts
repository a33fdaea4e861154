/**
 * Why a stack is refused, in plain words, for every command that would overwrite its Synapse
 * database (the reset, the restore): one text, so the production protection reads the same.
 */
import { CONFIG_NAMESPACE, isRefused, readFacts, RefusedFacts, RESET_ALLOWED_KEY, ResetFacts } from "./facts";
import { EXIT, ExitCode, ResetDeps } from "./types";

/** The lines to print on stderr; the caller exits with EXIT.refused. */
export function refusalLines(facts: RefusedFacts, verb: "reset" | "restore", rerun: string): string[] {
  const stack = facts.stack;
  const p = facts.permission;
  switch (p.reason) {
    case "unreadable":
      return [
        `Refusing to ${verb} stack "${stack}": its config cannot be read, so its reset setting cannot be read either.`,
        p.detail,
        `Fix the config (\`pulumi preview --stack ${stack}\` reports the same problems), then run: ${rerun}`,
        "Nothing was changed.",
      ];
    case "env-file":
      return [
        `Refusing to ${verb} stack "${stack}": eqmd's .env disagrees with the stack, so the \`pulumi up\` that follows` +
          " would fail after the Matrix side is already gone.",
        p.detail,
        `Fix the .env or the config as shown, then run: ${rerun}`,
        "Nothing was changed.",
      ];
    case "forbidden":
      return [
        `Refusing to ${verb} stack "${stack}": its config forbids resets (${p.detail}).`,
        `This is the production protection: ${verb === "reset" ? "a reset destroys" : "a restore overwrites"} the Synapse database (every Matrix account, room and message),` +
          ` so stacks that must never lose it set ${CONFIG_NAMESPACE}:${RESET_ALLOWED_KEY} to false.`,
        `If you really mean it, allow resets for this stack, ${verb}, then forbid them again:`,
        `  pulumi config set --path ${RESET_ALLOWED_KEY} true --stack ${stack}`,
        `  ${rerun}`,
        `  pulumi config set --path ${RESET_ALLOWED_KEY} false --stack ${stack}`,
        "Nothing was changed.",
      ];
  }
}

/**
 * The facts of a stack a reset or restore may overwrite, or the exit code after saying why not
 * (the stack cannot be read, or refusalLines).
 */
export async function factsOrRefusal(
  deps: Pick<ResetDeps, "stack" | "envCheck">,
  verb: "reset" | "restore",
  rerun: string,
  shout: (line: string) => void,
): Promise<ResetFacts | ExitCode> {
  let facts: ResetFacts | RefusedFacts;
  try {
    facts = await readFacts(deps.stack, deps.envCheck);
  } catch (err) {
    shout(
      `Cannot read stack "${deps.stack.name}" (config, outputs): ${err instanceof Error ? err.message : String(err)}`,
    );
    shout("Nothing was changed. Check `pulumi login`, PULUMI_CONFIG_PASSPHRASE and the stack name.");
    return EXIT.failed;
  }
  if (!isRefused(facts)) return facts;
  for (const line of refusalLines(facts, verb, rerun)) shout(line);
  return EXIT.refused;
}
