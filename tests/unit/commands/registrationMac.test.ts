import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { registrationMac } from "../../support/registrationMac";

const SCRIPT = path.resolve(__dirname, "../../../components/commands/scripts/admin_bootstrap.py");

/** Fixed vectors computed independently with the OpenSSL CLI:
 *    printf 'abcdef0123\0admin\0s3cr3t pass\0admin'    | openssl dgst -sha1 -hmac 'shared-secret-XYZ'
 *    printf 'abcdef0123\0admin\0s3cr3t pass\0notadmin' | openssl dgst -sha1 -hmac 'shared-secret-XYZ'
 */
const VECTORS = [
  { admin: true, mac: "97fb8a84a336e3758ef1bae14a878027662eb1b7" },
  { admin: false, mac: "fca01f2c0e4a28687549328b4b610567015849e4" },
];

const CASES: Array<[string, string, string, string, boolean]> = [
  ["shared-secret-XYZ", "abcdef0123", "admin", "s3cr3t pass", true],
  ["k", "00", "bob", "", false],
  ["ñøñ-ascii sécret", "f".repeat(128), "admin-bootstrap-0a1b2c3d", "pässwörd €", true],
  ["a".repeat(100), "nonce", "user.name_1", "p@ss:w=rd\"'`$", false],
];

function opensslMac(secret: string, nonce: string, user: string, password: string, admin: boolean): string {
  const msg = Buffer.concat(
    [nonce, user, password, admin ? "admin" : "notadmin"].flatMap((p, i) =>
      i ? [Buffer.from([0]), Buffer.from(p)] : [Buffer.from(p)],
    ),
  );
  const out = execFileSync("openssl", ["dgst", "-sha1", "-hmac", secret], { input: msg, encoding: "utf8" });
  return (out.trim().split("= ").pop() as string).trim();
}

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

describe("registrationMac", () => {
  it("matches the fixed OpenSSL vectors", () => {
    for (const v of VECTORS) {
      assert.equal(registrationMac("shared-secret-XYZ", "abcdef0123", "admin", "s3cr3t pass", v.admin), v.mac);
    }
  });

  it("matches the OpenSSL CLI on more inputs (NUL separators, UTF-8, empty password)", () => {
    // An independent implementation is the point of this test: no openssl is a failure.
    assert.ok(hasOpenssl, "the openssl CLI is required for this cross-check (apt-get install openssl)");
    for (const c of CASES) assert.equal(registrationMac(...c), opensslMac(...c), JSON.stringify(c.slice(1)));
  });

  it("matches registration_mac() of admin_bootstrap.py (imported without running main)", () => {
    const code = [
      "import importlib.util, json, sys",
      `spec = importlib.util.spec_from_file_location("admin_bootstrap", ${JSON.stringify(SCRIPT)})`,
      "mod = importlib.util.module_from_spec(spec)",
      "spec.loader.exec_module(mod)",
      "cases = json.load(sys.stdin)",
      "print(json.dumps([mod.registration_mac(*c) for c in cases]))",
    ].join("\n");
    const out = execFileSync("python3", ["-c", code], { input: JSON.stringify(CASES), encoding: "utf8" });
    assert.deepEqual(
      JSON.parse(out),
      CASES.map((c) => registrationMac(...c)),
    );
    assert.equal((JSON.parse(out) as string[])[0], VECTORS[0]?.mac);
  });
});
