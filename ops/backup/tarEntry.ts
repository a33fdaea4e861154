/**
 * The one file of a tar stream such as `docker cp <container>:<file> -` writes: a 512-byte
 * ustar header (size in octal at offset 124), then the content. Only what the signing key
 * copy needs; the media archive is never parsed here.
 */

/** The content of the first regular file in `tar`; throws when there is none. */
export function firstTarFile(tar: Buffer): Buffer {
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString("latin1").replace(/\0.*$/, "").trim() || "0", 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const start = offset + 512;
    if (type === "0" || type === "\0") {
      if (start + size > tar.length) throw new Error("the tar stream ends inside its file");
      return tar.subarray(start, start + size);
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  throw new Error("the tar stream holds no regular file");
}
