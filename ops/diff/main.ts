/**
 * `npm run diff -- --stack <name>`: what the next `pulumi up` would change, short enough to
 * read (as `helm diff` serves Helm users). It runs the engine's own preview (the real CLI,
 * through the Automation API) and reads its step events: the old and new inputs of every
 * resource the up would touch. Secrets arrive masked from the engine and are never unmasked.
 * Exit codes: 0 done (changes or not), 1 the preview failed, 2 bad arguments.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";
import { short } from "../reset/automation";
import { fileChanges, PreviewStep, resourceChanges } from "./changes";
import { report } from "./report";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

const USAGE = `Usage: npm run diff -- --stack <name> [--context <lines>]

Prints, for each file the next \`pulumi up\` would change, a unified diff between what is
deployed and what the program now declares ([secret] for a secret file, never its content),
then the resources it would create, update, replace or delete. "no changes" when there are none.
`;

async function main(argv: readonly string[]): Promise<number> {
  let stackName: string;
  let context: number;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { stack: { type: "string" }, context: { type: "string", default: "3" }, help: { type: "boolean" } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (!values.stack) throw new Error("--stack <name> is required");
    if (!/^\d{1,3}$/.test(values.context))
      throw new Error(`--context takes a number of lines, not "${values.context}"`);
    stackName = values.stack;
    context = Number(values.context);
  } catch (err) {
    process.stderr.write(`diff: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }

  const steps: PreviewStep[] = [];
  const onEvent = (e: EngineEvent) => {
    if (e.resourcePreEvent) steps.push(e.resourcePreEvent.metadata);
  };
  try {
    const stack = await short(LocalWorkspace.selectStack({ stackName, workDir: REPO_ROOT }));
    await short(stack.preview({ onEvent, diff: true }));
  } catch (err) {
    process.stderr.write(
      `diff: the preview of stack "${stackName}" failed; nothing was changed:\n${(err as Error).message}\n`,
    );
    return 1;
  }
  process.stdout.write(
    report(
      steps.flatMap((s) => fileChanges(s, context)),
      resourceChanges(steps),
    ),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`diff: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
