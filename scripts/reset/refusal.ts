/**
 * Why a stack is refused, in plain words, for every command that would overwrite its Synapse
 * database (the reset, the restore): one text, so the production protection reads the same.
 */
import { CONFIG_NAMESPACE, RefusedFacts, RESET_ALLOWED_KEY } from "./facts";

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
