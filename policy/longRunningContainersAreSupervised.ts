import type { ResourceValidationPolicy } from "@pulumi/policy";
import { arrayProp, booleanProp, displayName, recordProp, stringProp } from "./props";
import { CONTAINER } from "./resourceTypes";

/** Restart policies that bring a service back after a crash or a host reboot. */
export const SUPERVISING_RESTART_POLICIES: readonly string[] = ["unless-stopped", "always", "on-failure"];

const RESTART_REMEDIATION =
  'Set `restart: "unless-stopped"` (or "always" / "on-failure"); Docker then restarts the service after a crash ' +
  "or a reboot of the host. The change is applied in place, without replacing the container.";

const HEALTHCHECK_REMEDIATION =
  'Declare `healthcheck: { tests: ["CMD-SHELL", "<probe>"], interval, timeout, retries }` (e.g. curl of ' +
  "Synapse's /health, pg_isready for PostgreSQL) so Docker reports the real state, `wait: true` can wait for it, " +
  'and dependants start only once it is healthy. Add `replaceOnChanges: ["healthcheck"]`: Docker never updates ' +
  "a running container's healthcheck.";

/** Why a container counts as a one-shot job (not supervised), or undefined when it is long-running. */
export function oneShotReason(props: Readonly<Record<string, unknown>>): string | undefined {
  if (booleanProp(props, "attach") === true) {
    return "attach: true (run to completion)";
  }
  if (booleanProp(props, "mustRun") === false) {
    return "mustRun: false";
  }
  if (booleanProp(props, "start") === false) {
    return "start: false (created, never started)";
  }
  return undefined;
}

/** Why a healthcheck's `tests` cannot report health, or undefined when it can. */
export function healthcheckProblem(healthcheck: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (healthcheck === undefined) {
    return "has no healthcheck";
  }
  const tests = arrayProp(healthcheck, "tests");
  if (tests.length === 0 || !tests.every((t): t is string => typeof t === "string")) {
    return "has a healthcheck without tests";
  }
  const [kind, ...probe] = tests;
  if (kind === "NONE") {
    return 'has a healthcheck that disables health checking (tests ["NONE"])';
  }
  if (kind !== "CMD" && kind !== "CMD-SHELL") {
    return `has healthcheck tests starting with "${kind}" instead of "CMD" or "CMD-SHELL"`;
  }
  if (probe.length === 0 || probe[0].trim() === "") {
    return `has healthcheck tests ["${kind}"] without a command to run`;
  }
  return undefined;
}

/**
 * `long-running-containers-are-supervised`: services (Synapse, Element, the dev stack's
 * PostgreSQL) come back on their own and say when they are ready. One-shot job containers are
 * exempt.
 */
export const longRunningContainersAreSupervised: ResourceValidationPolicy = {
  name: "long-running-containers-are-supervised",
  description:
    "Every long-running Docker Container (not a one-shot job with attach: true, mustRun: false or start: false) " +
    "has a restart policy (unless-stopped, always or on-failure) and a healthcheck with a CMD or CMD-SHELL test.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: `${RESTART_REMEDIATION} ${HEALTHCHECK_REMEDIATION}`,
  validateResource: (args, reportViolation) => {
    if (args.type !== CONTAINER || oneShotReason(args.props) !== undefined) {
      return;
    }
    const name = displayName(args.props, args.name);
    const restart = stringProp(args.props, "restart");
    if (restart === undefined || !SUPERVISING_RESTART_POLICIES.includes(restart)) {
      const current = restart === undefined ? 'unset (Docker\'s default "no")' : `"${restart}"`;
      reportViolation(
        `Container "${name}" is long-running but its restart policy is ${current}, so nothing restarts it. ${RESTART_REMEDIATION}`,
      );
    }
    const problem = healthcheckProblem(recordProp(args.props, "healthcheck"));
    if (problem !== undefined) {
      reportViolation(`Container "${name}" is long-running but ${problem}. ${HEALTHCHECK_REMEDIATION}`);
    }
  },
};
