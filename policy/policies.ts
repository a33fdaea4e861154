/**
 * The eqmd-matrix policies, in their own module: `new PolicyPack(...)` (index.ts) starts a gRPC
 * server, so tests import this list instead and call each policy's `validateResource` directly.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { longRunningContainersAreHardened } from "./longRunningContainersAreHardened";
import { longRunningContainersAreSupervised } from "./longRunningContainersAreSupervised";
import { loopbackPublishedPorts } from "./loopbackPublishedPorts";
import { noProtectInsideMatrixStack } from "./noProtectInsideMatrixStack";
import { noSecretsInPlainContainerInputs } from "./noSecretsInPlainContainerInputs";
import { pinnedImages } from "./pinnedImages";
import { synapseDatabaseLocale } from "./synapseDatabaseLocale";

export {
  longRunningContainersAreHardened,
  longRunningContainersAreSupervised,
  loopbackPublishedPorts,
  noProtectInsideMatrixStack,
  noSecretsInPlainContainerInputs,
  pinnedImages,
  synapseDatabaseLocale,
};

/** Every policy of the pack, in the order the README lists them. */
export const policies: readonly ResourceValidationPolicy[] = [
  pinnedImages,
  noSecretsInPlainContainerInputs,
  longRunningContainersAreSupervised,
  longRunningContainersAreHardened,
  synapseDatabaseLocale,
  loopbackPublishedPorts,
  noProtectInsideMatrixStack,
];
