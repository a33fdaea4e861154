/**
 * The eqmd-matrix CrossGuard policy pack. Run it with
 * `pulumi preview --policy-pack policy` from the repository root (after `cd policy && npm install`).
 * Constructing the PolicyPack starts the analyzer server the Pulumi CLI talks to.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("eqmd-matrix", {
  policies: [...policies],
  enforcementLevel: "mandatory",
  description:
    "Guards for the Matrix side of EquipeMed: pinned images, no plain secrets, supervised and hardened services, Synapse's database locale, loopback ports, resettable MatrixStack.",
});
