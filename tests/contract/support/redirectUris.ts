/**
 * The OIDC client's redirect URIs as the tests handle them in eqmd's Django (`manage.py shell`
 * code, run through whichever handle the tier has): read the stored text, and add one URI on a
 * line of its own, as an operator of a test host without TLS does in Django's admin (eqmd's
 * command only ever registers https://<fqdn>/…).
 */
import { markedLine } from "../../../components/commands/parse";

/** Code printing `REDIRECT_URIS=<the stored text as JSON>` for `clientId`. */
export function storedRedirectUrisCode(clientId: string): string {
  return [
    "import json",
    "from oidc_provider.models import Client",
    `print('REDIRECT_URIS=' + json.dumps(Client.objects.get(client_id=${JSON.stringify(clientId)})._redirect_uris))`,
  ].join("\n");
}

/** The stored `_redirect_uris` text, from the output of `storedRedirectUrisCode`. */
export function parseStoredRedirectUris(stdout: string): string {
  return JSON.parse(markedLine(stdout, "REDIRECT_URIS")) as string;
}

/** Code appending `uri` on its own line when the client does not list it yet. */
export function addRedirectUriCode(clientId: string, uri: string): string {
  return [
    "from oidc_provider.models import Client",
    `c = Client.objects.get(client_id=${JSON.stringify(clientId)})`,
    `u = ${JSON.stringify(uri)}`,
    "if u not in (c._redirect_uris or '').split():",
    "    c._redirect_uris = ((c._redirect_uris or '') + '\\n' + u).strip()",
    "    c.save()",
    "print('REDIRECT_URIS=' + str(len(c._redirect_uris.split())))",
  ].join("\n");
}
