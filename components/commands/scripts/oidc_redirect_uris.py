# eqmd-matrix's redirect-URI repair, run by `manage.py shell -c` in eqmd's Django right after
# eqmd's `setup_synapse_oidc_client`, inside the OIDC step. The step puts two constants in
# front of this code: _CLIENT_ID (oidc.clientId) and _CALLBACK (Synapse's callback URI,
# public_baseurl + _synapse/client/oidc/callback).
#
# Why: eqmd's command appends the redirect URI for --matrix-fqdn and stores the list joined by
# spaces, but django-oidc-provider splits `_redirect_uris` on new lines. After a second FQDN
# (a hospital's Matrix domain changed, then a reset), the row holds "https://old/… https://new/…",
# one URI that matches neither host, and every SSO login ends in "Redirect URI Error". This
# stores the same URIs one a line (order kept, duplicates dropped), then requires Synapse's
# callback to be one of them exactly, else fails before Synapse starts, with the fix.
# Output (stderr of the step): one line; exit 1 with the reason when the callback is missing.
from oidc_provider.models import Client as _Client


def _repair_redirect_uris():
    client = _Client.objects.get(client_id=_CLIENT_ID)
    stored = client._redirect_uris or ""
    uris = []
    for uri in stored.split():
        if uri not in uris:
            uris.append(uri)
    wanted = "\n".join(uris)
    repaired = wanted != stored
    if repaired:
        client._redirect_uris = wanted
        client.save(update_fields=["_redirect_uris"])
    if _CALLBACK not in uris:
        raise SystemExit(
            "eqmd-matrix: the OIDC client %r has %d redirect URI(s), none of them Synapse's callback %s: "
            "SSO would end in django-oidc-provider's \"Redirect URI Error\". Fix: set synapse's public base URL "
            "(server.publicBaseUrl) to https://<matrix host>/ as eqmd registers it, or add %s to the client's "
            "redirect URIs in Django's admin (one a line); then run `pulumi up` again."
            % (_CLIENT_ID, len(uris), _CALLBACK, _CALLBACK)
        )
    print(
        "eqmd-matrix: OIDC client %r: %d redirect URI(s), one a line%s; Synapse's callback is one of them"
        % (_CLIENT_ID, len(uris), " (eqmd's space-joined list repaired)" if repaired else "")
    )


_repair_redirect_uris()
