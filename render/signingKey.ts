/**
 * Synapse's signing key file (`signing_key_path`): one line
 * `ed25519 <key id> <seed>`, the seed being the 32-byte ed25519 seed in unpadded standard
 * base64 (what Synapse's `generate_signing_key` writes and `read_signing_keys` parses).
 * The seed comes from a random secret in Pulumi state (signingKeySeedFrom), never from
 * anything public such as the server name.
 */
import { createHash } from "node:crypto";

const KEY_ID = /^a_[A-Za-z0-9_]+$/;
const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SEED_BYTES = 32;

/** The key file content: `ed25519 <keyId> <unpadded base64 seed>\n`. */
export function renderSigningKey(keyId: string, seedBase64: string): string {
  assertKeyId(keyId);
  const seed = decodeSeed(seedBase64);
  return `ed25519 ${keyId} ${seed.toString("base64").replace(/=+$/, "")}\n`;
}

/**
 * The 32-byte seed, standard base64, as SHA-256 of a long random secret (a RandomPassword of
 * 64 characters, ~380 bits). Not RandomBytes: its resource id is its value, and ids are kept
 * in plaintext in the state (seen on the real engine).
 */
export function signingKeySeedFrom(secret: string): string {
  if (secret.length < 43) throw new Error("the signing key secret must have at least 43 characters (256 bits)");
  return createHash("sha256").update(secret, "utf8").digest("base64");
}

/** A key id from a random alphanumeric string: `a_<random>` (Synapse's own ids look alike). */
export function signingKeyIdFrom(random: string): string {
  const keyId = `a_${random}`;
  assertKeyId(keyId);
  return keyId;
}

function assertKeyId(keyId: string): void {
  if (!KEY_ID.test(keyId)) {
    throw new Error(
      `signing key id "${keyId}" is invalid: expected "a_" followed by letters, digits or "_" (e.g. "a_Xk3d")`,
    );
  }
}

function decodeSeed(seedBase64: string): Buffer {
  const text = seedBase64.trim();
  // Buffer.from(…, "base64") silently skips bad characters, so check the alphabet first.
  if (text.length === 0 || !STANDARD_BASE64.test(text) || text.length % 4 === 1) {
    throw new Error("signing key seed is not standard base64 (A-Z a-z 0-9 + /, optional = padding)");
  }
  const seed = Buffer.from(text, "base64");
  if (seed.length !== SEED_BYTES) {
    throw new Error(`signing key seed decodes to ${seed.length} bytes; an ed25519 seed is exactly ${SEED_BYTES} bytes`);
  }
  return seed;
}
