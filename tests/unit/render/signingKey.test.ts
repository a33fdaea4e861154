import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderSigningKey, signingKeyIdFrom, signingKeySeedFrom } from "../../../render/signingKey";

const SEED = Buffer.from(Array.from({ length: 32 }, (_, i) => 255 - i));
const PADDED = SEED.toString("base64"); // 44 chars ending in "="
const UNPADDED = PADDED.replace(/=+$/, "");

describe("signing key", () => {
  it("writes 'ed25519 <id> <unpadded base64 seed>' and a newline", () => {
    assert.ok(PADDED.endsWith("="));
    assert.equal(renderSigningKey("a_Xk3d", PADDED), `ed25519 a_Xk3d ${UNPADDED}\n`);
  });

  it("accepts an unpadded seed and writes the same line", () => {
    assert.equal(renderSigningKey("a_Xk3d", UNPADDED), renderSigningKey("a_Xk3d", PADDED));
  });

  it("round-trips the seed bytes", () => {
    const line = renderSigningKey("a_1", PADDED).trimEnd();
    const [alg, id, seed] = line.split(" ");
    assert.equal(alg, "ed25519");
    assert.equal(id, "a_1");
    assert.deepEqual(Buffer.from(seed ?? "", "base64"), SEED);
  });

  it("refuses a seed that is not 32 bytes", () => {
    assert.throws(() => renderSigningKey("a_x", Buffer.alloc(31).toString("base64")), /31 bytes.*exactly 32/);
    assert.throws(() => renderSigningKey("a_x", Buffer.alloc(64).toString("base64")), /64 bytes/);
  });

  it("refuses a seed that is not standard base64", () => {
    assert.throws(() => renderSigningKey("a_x", UNPADDED.replace(/.$/, "!")), /not standard base64/);
    assert.throws(() => renderSigningKey("a_x", Buffer.alloc(32, 0xfb).toString("base64url")), /not standard base64/);
    assert.throws(() => renderSigningKey("a_x", ""), /not standard base64/);
  });

  it("refuses a key id Synapse would not write", () => {
    for (const bad of ["x_abc", "a_", "a_ab-c", "a_ab c", "ed25519:a_abc", "A_abc"]) {
      assert.throws(() => renderSigningKey(bad, PADDED), /signing key id/, bad);
    }
  });

  it("builds key ids from a random alphanumeric string", () => {
    assert.equal(signingKeyIdFrom("Q7wz"), "a_Q7wz");
    assert.throws(() => signingKeyIdFrom(""), /signing key id/);
    assert.throws(() => signingKeyIdFrom("ab/c"), /signing key id/);
  });
});

describe("signingKeySeedFrom", () => {
  it("gives a 32-byte standard-base64 seed that renderSigningKey accepts, the same for the same secret", () => {
    const secret = "x".repeat(20) + "Y".repeat(44);
    const seed = signingKeySeedFrom(secret);
    assert.equal(Buffer.from(seed, "base64").length, 32);
    assert.equal(signingKeySeedFrom(secret), seed);
    assert.notEqual(signingKeySeedFrom(secret + "z"), seed);
    assert.match(renderSigningKey("a_abcd", seed), /^ed25519 a_abcd [A-Za-z0-9+/]{43}\n$/);
  });

  it("refuses a secret shorter than 256 bits of base64-alphabet text", () => {
    assert.throws(() => signingKeySeedFrom("short"), /at least 43 characters/);
  });
});
