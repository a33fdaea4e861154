/**
 * Synapse's signing key file (`signing_key_path`): one line
 * `ed25519 <key id> <seed>`, the seed being the 32-byte ed25519 seed in unpadded standard
 * base64 (what Synapse's `generate_signing_key` writes and `read_signing_keys` parses).
 * The seed comes from Pulumi state (random bytes), never derived from anything else.
 */

const KEY_ID = /^a_[A-Za-z0-9_]+$/;
const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SEED_BYTES = 32;

/** The key file content: `ed25519 <keyId> <unpadded base64 seed>\n`. */
export function renderSigningKey(keyId: string, seedBase64: string): string {
  assertKeyId(keyId);
  const seed = decodeSeed(seedBase64);
  return `ed25519 ${keyId} ${seed.toString("base64").replace(/=+$/, "")}\n`;
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
