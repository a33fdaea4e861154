/**
 * What eqmd's "Provision Matrix User" does in Synapse (apps/matrix_integration/services.py,
 * eqmd-facts §10): the admin API PUT of `@<matrix_localpart>:<server_name>` with the
 * `external_ids` link to the user's OIDC subject, so the SSO login maps onto that account.
 */
import { randomBytes } from "node:crypto";

export interface ProvisionRequest {
  /** Synapse's admin URL (MATRIX_ADMIN_INTERNAL_URL). */
  adminUrl: string;
  adminToken: string;
  userId: string;
  displayName: string;
  /** Synapse's identity provider id, "oidc-<SYNAPSE_OIDC_PROVIDER_ID>". */
  authProvider: string;
  /** UserProfile.public_id, the OIDC `sub`. */
  externalId: string;
}

/** PUT /_synapse/admin/v2/users/<mxid>; retried without the password on "Password change disabled", as eqmd does. */
export async function provisionMatrixUser(request: ProvisionRequest): Promise<number> {
  const body: Record<string, unknown> = {
    admin: false,
    deactivated: false,
    password: randomBytes(24).toString("base64url"),
    displayname: request.displayName,
    external_ids: [{ auth_provider: request.authProvider, external_id: request.externalId }],
  };
  const put = () =>
    fetch(`${request.adminUrl}/_synapse/admin/v2/users/${encodeURIComponent(request.userId)}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${request.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  let response = await put();
  let text = await response.text();
  if (response.status === 403 && text.includes("Password change disabled")) {
    delete body["password"];
    response = await put();
    text = await response.text();
  }
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(`provisioning ${request.userId} failed: HTTP ${response.status} ${text.slice(0, 300)}`);
  }
  return response.status;
}
