/** Synapse version helpers: parse an image tag, compare dotted versions. */

/** "matrixdotorg/synapse:v1.99.0" → "1.99.0"; undefined when the tag is not a version. */
export function parseVersionFromImage(image: string): string | undefined {
  const match = /:v?(\d+\.\d+\.\d+)$/.exec(image);
  return match?.[1];
}

/** Negative, zero or positive as a is older than, equal to or newer than b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
