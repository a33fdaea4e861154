/** eqmd's printed outputs, as its Django commands print them, for fakes. */

/** `manage.py setup_synapse_oidc_client` output; the secret appears in the YAML sample too. */
export function setupSynapseOidcClientOutput(secret: string, eol = "\n"): string {
  return [
    "Setting up OIDC client for Matrix Synapse...",
    "Client ID: matrix_synapse_client",
    "Matrix FQDN: matrix.yourhospital.com",
    "Redirect URI: https://matrix.yourhospital.com/_synapse/client/oidc/callback",
    "✓ Created new OIDC client 'matrix_synapse_client'",
    "  - Client secret: generated new",
    "  - Redirect URI: added new redirect URI",
    "  - Allowed scopes: openid profile email",
    "",
    "Synapse Configuration:",
    "oidc_providers:",
    "  - idp_id: equipemed",
    "    client_id: matrix_synapse_client",
    `    client_secret: "${secret}"`,
    "",
    "Environment Variables:",
    "Add to your .env file:",
    `SYNAPSE_OIDC_CLIENT_SECRET=${secret}`,
    "SYNAPSE_OIDC_PROVIDER_ID=equipemed",
    "",
    "✓ Synapse OIDC client setup complete!",
    "",
  ].join(eol);
}
