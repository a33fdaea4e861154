import type { ResourceValidationPolicy } from "@pulumi/policy";
import { classifyImageRef } from "./imageRef";
import { displayName, stringProp } from "./props";
import { CONTAINER, REMOTE_IMAGE } from "./resourceTypes";

const REMEDIATION =
  'Pin the image to a release tag (e.g. "matrixdotorg/synapse:v1.163.2") or a digest ' +
  '("repo@sha256:<64 hex digits>"), ideally through the stack config keys synapse.image, ' +
  "element.image or postgres.image, and give Containers the RemoteImage's imageId.";

/**
 * `pinned-images`: the same program must deploy the same software tomorrow. An unpinned image
 * changes under a reset (RemoteImage re-pulls) and makes `pulumi preview` lie about what runs.
 */
export const pinnedImages: ResourceValidationPolicy = {
  name: "pinned-images",
  description:
    "Docker images are pinned to a version tag or a digest: RemoteImage `name` and Container `image` " +
    "(unless it is an image ID, sha256:…) never lack a tag and never use a moving tag such as `latest`.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: REMEDIATION,
  validateResource: (args, reportViolation) => {
    const field = args.type === REMOTE_IMAGE ? "name" : args.type === CONTAINER ? "image" : undefined;
    if (field === undefined) {
      return;
    }
    const ref = stringProp(args.props, field);
    if (ref === undefined) {
      return;
    }
    const pin = classifyImageRef(ref);
    if (!pin.pinned) {
      const kind = args.type === REMOTE_IMAGE ? "RemoteImage" : "Container";
      const what = args.type === REMOTE_IMAGE ? args.name : displayName(args.props, args.name);
      reportViolation(`${kind} "${what}": ${field} "${ref}" is not pinned: ${pin.reason}. ${REMEDIATION}`);
    }
  },
};
