/** The plan shown before anything happens: the destroy preview and what is kept. */
import { ResetFacts } from "./facts";
import { ResetDestroyOptions, ResetEngineEvent, ResetOptions, ResetStack } from "./types";

export interface DestroyStep {
  readonly urn: string;
  readonly type: string;
}

export interface PlanResult {
  /** Resources the preview would delete (from engine events; may be empty if none were seen). */
  readonly deletes: readonly DestroyStep[];
  readonly changeSummary: Readonly<Record<string, number>>;
}

/** The exact destroy options of a reset: the component and everything depending on it. */
export function destroyOptions(urn: string, onOutput: (text: string) => void): ResetDestroyOptions {
  return { target: [urn], targetDependents: true, onOutput };
}

/** Runs the destroy preview, streaming its output, and collects what it would delete. */
export async function previewDestroy(
  stack: ResetStack,
  urn: string,
  onOutput: (text: string) => void,
): Promise<PlanResult> {
  const deletes: DestroyStep[] = [];
  let streamed = false;
  const result: Awaited<ReturnType<ResetStack["previewDestroy"]>> | undefined = await stack.previewDestroy({
    ...destroyOptions(urn, (text) => {
      streamed = true;
      onOutput(text);
    }),
    onEvent: (event: ResetEngineEvent) => {
      const meta = event.resourcePreEvent?.metadata;
      if (meta && meta.op.startsWith("delete") && !deletes.some((d) => d.urn === meta.urn)) {
        deletes.push({ urn: meta.urn, type: meta.type });
      }
    },
  });
  // A fake (or an odd CLI) may return nothing or not stream: print what there is.
  const stdout = result?.stdout;
  if (!streamed && stdout) onOutput(stdout.endsWith("\n") ? stdout : `${stdout}\n`);
  return { deletes, changeSummary: result?.changeSummary ?? {} };
}

/** "eqmd_matrix_synapse" from "urn:pulumi:dev::eqmd-matrix::…::eqmd_matrix_synapse". */
export function nameFromUrn(urn: string): string {
  const at = urn.lastIndexOf("::");
  return at < 0 ? urn : urn.slice(at + 2);
}

/** The "will be destroyed" block. */
export function describeDestroyed(plan: PlanResult, facts: ResetFacts): string[] {
  const lines: string[] = [];
  const count = plan.deletes.length || plan.changeSummary["delete"] || 0;
  lines.push(`Will be destroyed${count ? ` (${count} resource${count === 1 ? "" : "s"})` : ""}:`);
  for (const step of plan.deletes) {
    const retained = (facts.mediaRetainedOnDelete && isMediaVolume(step, facts)) || isLogVolume(step);
    lines.push(
      `  - ${step.type}  ${nameFromUrn(step.urn)}${retained ? "  (only leaves Pulumi's state: retainOnDelete keeps the Docker volume)" : ""}`,
    );
  }
  if (plan.deletes.length === 0) {
    const counts = Object.entries(plan.changeSummary).map(([op, n]) => `${op}: ${n}`);
    lines.push(
      `  - everything inside ${facts.urn ?? "the MatrixStack"}${counts.length ? ` (preview: ${counts.join(", ")})` : ""}`,
    );
  }
  lines.push(
    `  In plain words: the Synapse and Element containers, the Synapse database "${facts.database.name}" and its role` +
      ` "${facts.database.role}" (every Matrix account, room and message) and the secrets generated for them;` +
      ` \`pulumi up\` then creates them anew.`,
  );
  if (!facts.mediaRetainedOnDelete) {
    lines.push(`  - the media volume "${facts.mediaVolume}" too: this stack sets media.retainOnDelete to false`);
  }
  return lines;
}

const VOLUME = "docker:index/volume:Volume";

function isMediaVolume(step: DestroyStep, facts: ResetFacts): boolean {
  const name = nameFromUrn(step.urn);
  return step.type === VOLUME && (name === facts.mediaVolume || /media/i.test(name));
}

/** Synapse's log file volume (synapse.fileLog): always kept on delete, so a reset keeps the logs. */
function isLogVolume(step: DestroyStep): boolean {
  return step.type === VOLUME && /(^|[-_])logs$/.test(nameFromUrn(step.urn));
}

/**
 * The "will be kept" block (and the media wipe, when asked). `plan` tells whether this state
 * still has the rewritten volumes inside the MatrixStack (a stack last updated by a program
 * before MatrixAssets): then this destroy deletes them, and the plan must not say it keeps them.
 */
export function describeKept(facts: ResetFacts, options: ResetOptions, plan?: PlanResult): string[] {
  const lines = ["Will be kept (a reset never touches them):"];
  lines.push("  - the Django database and its data (users, patients, the OIDC provider's keys)");
  if (facts.managedPostgresContainer) {
    lines.push(
      `  - the PostgreSQL server: the managed dev container "${facts.managedPostgresContainer}" (outside the MatrixStack)`,
    );
  } else {
    lines.push(`  - the PostgreSQL server at ${facts.postgres.host}:${facts.postgres.port} (eqmd's docker compose)`);
  }
  const deletesRewritten = plan?.deletes.some((d) => d.type === VOLUME && !isMediaVolume(d, facts) && !isLogVolume(d));
  if (!deletesRewritten && facts.rewrittenVolumes.length > 0) {
    lines.push(
      `  - the images and the volumes ${facts.rewrittenVolumes.map((v) => `"${v}"`).join(", ")} (outside the MatrixStack):` +
        " `up` writes every file on them again and removes any other, so no old secret stays",
    );
  }
  if (options.wipeMedia) {
    lines.push("Will be deleted after the destroy (--wipe-media):");
    lines.push(`  - the media volume "${facts.mediaVolume}" (uploaded files, avatars, thumbnails)`);
  } else if (facts.mediaRetainedOnDelete) {
    lines.push(
      `  - the media volume "${facts.mediaVolume}" (uploaded files): \`up\` attaches it again; --wipe-media deletes it`,
    );
  }
  return lines;
}
