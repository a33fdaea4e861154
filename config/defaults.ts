/**
 * The values that default from other keys and that both the cross-key rules (rules.ts) and
 * the derivation (derive.ts) read: computed here once, so neither imports the other. Pure.
 */
import { ParsedConfig } from "./schema";
import { parseVersionFromImage } from "./version";

/** Host names and URLs that default from eqmdDomain and each other (eqmd's .env.example). */
export function serverUrls(c: ParsedConfig) {
  const serverName = c.matrixFqdn ?? `matrix.${c.eqmdDomain}`;
  const chatFqdn = c.chatFqdn ?? `chat.${c.eqmdDomain}`;
  return {
    serverName,
    chatFqdn,
    publicBaseUrl: c.publicBaseUrl ?? `https://${serverName}/`,
    elementPublicUrl: c.element.publicUrl ?? `https://${chatFqdn}/`,
    issuer: c.oidc.issuer ?? `https://${c.eqmdDomain}/o`,
  };
}

/** The Synapse version: stated, or read from the image tag (undefined when neither works). */
export function synapseVersion(c: ParsedConfig): string | undefined {
  return c.synapse.version ?? parseVersionFromImage(c.synapse.image);
}
