/**
 * The thin adapter from `@pulumi/pulumi/automation`'s Stack to AdoptStack; errors are narrowed
 * to pulumi's stderr as the reset does (ops/reset/automation.ts).
 */
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { short } from "../reset/automation";
import { PROJECT_NAME } from "./declared";
import { PROJECT_DIR, providersProgram } from "./providersProgram";
import { AdoptStack } from "./types";

export function fromAutomationStack(stack: Stack): AdoptStack {
  return {
    name: stack.name,
    getAllConfig: () => short(stack.getAllConfig()),
    exportStack: () => short(stack.exportStack()),
    importStack: (state) => short(stack.importStack(state)),
    up: (opts) => short(stack.up(opts)),
    recordProviders: (opts) =>
      short(
        LocalWorkspace.selectStack(
          { stackName: stack.name, projectName: PROJECT_NAME, program: providersProgram },
          { workDir: PROJECT_DIR },
        ).then((inline) => inline.up({ target: [...opts.target], onOutput: opts.onOutput })),
      ),
    import: (opts) => short(stack.import({ ...opts, resources: [...opts.resources] })),
    preview: (opts) => short(stack.preview(opts)),
  };
}

/** Selects the existing stack `stackName` of the program in `workDir`. */
export async function selectStack(stackName: string, workDir: string): Promise<AdoptStack> {
  return fromAutomationStack(await short(LocalWorkspace.selectStack({ stackName, workDir })));
}
