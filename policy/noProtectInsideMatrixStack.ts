import type { ResourceValidationPolicy } from "@pulumi/policy";
import { MATRIX_STACK } from "./resourceTypes";

/**
 * The type chain of a URN, outermost parent first: for
 * `urn:pulumi:dev::eqmd-matrix::eqmd:matrix:MatrixStack$docker:index/container:Container::synapse`
 * it is `["eqmd:matrix:MatrixStack", "docker:index/container:Container"]`.
 */
export function urnTypeChain(urn: string): string[] {
  const parts = urn.split("::");
  return parts.length >= 4 ? parts[2].split("$") : [];
}

const REMEDIATION =
  "A reset runs `pulumi destroy --target <MatrixStack URN> --target-dependents` (npm run reset), which fails on " +
  'a protected resource ("... is protected"). Remove `protect: true` from this resource and from its parents ' +
  "(children inherit it); to keep data across resets use `retainOnDelete` (as the media volume does), or declare " +
  "the resource outside MatrixStack. If the state already has it protected, run `pulumi state unprotect '<urn>'`.";

/** `no-protect-inside-matrix-stack`: MatrixStack is the unit a reset destroys. */
export const noProtectInsideMatrixStack: ResourceValidationPolicy = {
  name: "no-protect-inside-matrix-stack",
  description:
    "Nothing in the MatrixStack component (the component itself or any resource below it, recognised by " +
    `"${MATRIX_STACK}" in its URN's type chain) is protected: a protected resource makes the reset's targeted destroy fail.`,
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: REMEDIATION,
  validateResource: (args, reportViolation) => {
    if (args.opts.protect && urnTypeChain(args.urn).includes(MATRIX_STACK)) {
      reportViolation(`"${args.name}" (${args.type}) is inside ${MATRIX_STACK} and has protect: true. ${REMEDIATION}`);
    }
  },
};
