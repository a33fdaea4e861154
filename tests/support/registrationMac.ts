/**
 * The MAC of Synapse's shared-secret registration API (`POST /_synapse/admin/v1/register`):
 * hex HMAC-SHA1 keyed by `registration_shared_secret` over
 * `nonce \0 username \0 password \0 ("admin" | "notadmin")`. What runs is the computation in
 * components/commands/scripts/synapse_http.py; this one is the fake Synapse's, checked against
 * openssl in tests/unit/commands/registrationMac.test.ts.
 */
import { createHmac } from "node:crypto";

export function registrationMac(
  sharedSecret: string,
  nonce: string,
  username: string,
  password: string,
  admin: boolean,
): string {
  const mac = createHmac("sha1", Buffer.from(sharedSecret, "utf8"));
  const parts = [nonce, username, password, admin ? "admin" : "notadmin"];
  parts.forEach((part, i) => {
    if (i > 0) mac.update(Buffer.from([0]));
    mac.update(Buffer.from(part, "utf8"));
  });
  return mac.digest("hex");
}
