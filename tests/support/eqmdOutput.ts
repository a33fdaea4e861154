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

/**
 * What Django 5.2's `manage.py shell -c` prints on stdout before the code's own output, as
 * eqmd's real Django printed it (shared/eqmd-facts.md §15): the auto-import report. The module
 * names after the first line are Django's format for the ones it could not import.
 */
export const DJANGO_52_SHELL_PREAMBLE = [
  "7 objects could not be automatically imported:",
  "",
  "  apps.botauth.claims.EqmdScopeClaims",
  "  apps.matrix_integration.services.RSAKEYS=9",
  "",
  "77 objects imported automatically (use -v 2 for details).",
  "",
].join("\n");
