import type { ResourceValidationPolicy } from "@pulumi/policy";
import { oneShotReason } from "./longRunningContainersAreSupervised";
import { urnTypeChain } from "./noProtectInsideMatrixStack";
import { arrayProp, booleanProp, displayName, recordProp, stringProp } from "./props";
import { CONTAINER, MATRIX_STACK } from "./resourceTypes";

const LOG_REMEDIATION =
  'Set `logDriver: "json-file"` with `logOpts: { "max-size": "10m", "max-file": "5" }` (the stack keys ' +
  "containerLogs.maxSize and containerLogs.maxFiles): without max-size Docker's log of a container that runs for " +
  "months grows until the disk is full.";

const HARDENING_REMEDIATION =
  'Run it as eqmd\'s docker-compose.deploy.yml runs Synapse and Element: `user: "<UID>:<GID>"` (not root), ' +
  '`capabilities: { drops: ["ALL"] }` and no adds, `securityOpts: ["no-new-privileges:true"]`, `readOnly: true` ' +
  'with a tmpfs for /tmp (`tmpfs: { "/tmp": "rw,noexec,nosuid,uid=<UID>,gid=<GID>" }`) and for any other path it ' +
  "writes, files it reads on volumes, and `init: true`.";

/** Why a container's log is unbounded, or undefined when it is rotated. */
export function logProblem(props: Readonly<Record<string, unknown>>): string | undefined {
  const driver = stringProp(props, "logDriver") ?? "json-file";
  if (driver !== "json-file" && driver !== "local") {
    return undefined; // journald, syslog…: the host's own log store bounds it
  }
  const opts = recordProp(props, "logOpts") ?? {};
  const missing = ["max-size", "max-file"].filter((k) => typeof opts[k] !== "string" || opts[k] === "");
  return missing.length === 0 ? undefined : `its ${driver} log has no ${missing.join(" and no ")}`;
}

/** What a Matrix container lacks of eqmd's hardening, in words (empty when it has all of it). */
export function hardeningGaps(props: Readonly<Record<string, unknown>>): string[] {
  const gaps: string[] = [];
  const user = stringProp(props, "user");
  if (user === undefined || /^(0|root)(:|$)/.test(user)) {
    gaps.push(user === undefined ? "no user (runs as the image's, often root)" : `user "${user}" is root`);
  }
  const caps = recordProp(props, "capabilities");
  const drops = caps ? arrayProp(caps, "drops") : [];
  const adds = caps ? arrayProp(caps, "adds") : [];
  if (!drops.includes("ALL")) gaps.push("capabilities are not all dropped");
  if (adds.length > 0) gaps.push(`adds capabilities ${adds.map(String).join(", ")}`);
  if (!arrayProp(props, "securityOpts").some((o) => o === "no-new-privileges:true" || o === "no-new-privileges")) {
    gaps.push("no no-new-privileges");
  }
  if (booleanProp(props, "readOnly") !== true) gaps.push("the root file system is writable");
  if (recordProp(props, "tmpfs")?.["/tmp"] === undefined) gaps.push("no tmpfs on /tmp");
  if (booleanProp(props, "init") !== true) gaps.push("no init");
  return gaps;
}

/**
 * `long-running-containers-are-hardened`: every long-running container has a bounded log, and the
 * ones inside MatrixStack (Synapse, Element: what a hospital exposes) carry eqmd's hardening.
 * One-shot jobs are exempt, as for supervision.
 */
export const longRunningContainersAreHardened: ResourceValidationPolicy = {
  name: "long-running-containers-are-hardened",
  description:
    "Every long-running Docker Container has a rotated json-file log (max-size and max-file); inside " +
    `${MATRIX_STACK} it also runs as a non-root user with every capability dropped, no-new-privileges, a ` +
    "read-only root file system with a tmpfs /tmp, and an init process.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: `${LOG_REMEDIATION} ${HARDENING_REMEDIATION}`,
  validateResource: (args, reportViolation) => {
    if (args.type !== CONTAINER || oneShotReason(args.props) !== undefined) {
      return;
    }
    const name = displayName(args.props, args.name);
    const log = logProblem(args.props);
    if (log !== undefined) {
      reportViolation(`Container "${name}" is long-running but ${log}. ${LOG_REMEDIATION}`);
    }
    if (urnTypeChain(args.urn).includes(MATRIX_STACK)) {
      const gaps = hardeningGaps(args.props);
      if (gaps.length > 0) {
        reportViolation(
          `Container "${name}" is inside ${MATRIX_STACK} but ${gaps.join("; ")}. ${HARDENING_REMEDIATION}`,
        );
      }
    }
  },
};
