/**
 * Classifies a Docker image reference as pinned (a version tag, a digest, or an image ID) or
 * not (no tag, or a tag that moves). Pure; used by the `pinned-images` policy.
 */

/** Tags that upstream projects move on every release or commit. */
export const MOVING_TAGS: readonly string[] = [
  "latest",
  "stable",
  "edge",
  "nightly",
  "develop",
  "dev",
  "main",
  "master",
];

/** How a reference is pinned, or why it is not. */
export type ImagePin =
  | { readonly pinned: true; readonly by: "tag" | "digest" | "image-id" }
  | { readonly pinned: false; readonly reason: string };

/** A local image ID as `RemoteImage.imageId` returns it: immutable by construction. */
const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;

/** A content digest after `@`, e.g. `sha256:<64 hex>`. */
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/** Classifies `ref` (`[registry[:port]/]repository[:tag][@digest]`, or `sha256:<id>`). */
export function classifyImageRef(ref: string): ImagePin {
  const trimmed = ref.trim();
  if (trimmed === "") {
    return { pinned: false, reason: "the image reference is empty" };
  }
  if (IMAGE_ID.test(trimmed)) {
    return { pinned: true, by: "image-id" };
  }

  const at = trimmed.indexOf("@");
  const nameAndTag = at >= 0 ? trimmed.slice(0, at) : trimmed;
  const digest = at >= 0 ? trimmed.slice(at + 1) : undefined;
  if (digest !== undefined && !DIGEST.test(digest)) {
    return { pinned: false, reason: `"@${digest}" is not a content digest such as "@sha256:<64 hex digits>"` };
  }

  // A ':' after the last '/' starts the tag; one before it belongs to a registry port.
  const colon = nameAndTag.lastIndexOf(":");
  const tag = colon > nameAndTag.lastIndexOf("/") ? nameAndTag.slice(colon + 1) : undefined;
  if (tag !== undefined && MOVING_TAGS.includes(tag.toLowerCase())) {
    return { pinned: false, reason: `the tag "${tag}" moves to a new image whenever upstream publishes one` };
  }
  if (digest !== undefined) {
    return { pinned: true, by: "digest" };
  }
  if (tag === undefined || tag === "") {
    return { pinned: false, reason: 'it has no tag, so Docker pulls whatever "latest" points to today' };
  }
  return { pinned: true, by: "tag" };
}
