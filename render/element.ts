/**
 * Element Web's `config.json`, rendered from settings. Only options Element Web actually
 * reads (its documented options, snake_case spelling of the 1.11 releases); eqmd's
 * template had a few that do nothing, handled as follows:
 *
 * - `default_server_name` next to `default_server_config`: only one source of server config.
 * - `custom_css_url`: not an Element option.
 * - `features.feature_spaces` and friends: flags removed from Element long ago.
 * - `jitsi.preferredDomain: ""`: it only picks a Jitsi server and turns nothing off (Element
 *   has no Jitsi switch). Calls and Jitsi widgets are hidden with the `UIFeature.voip` and
 *   `UIFeature.widgets` setting defaults instead.
 * - No `io.element.e2ee` here: Element reads it only from the homeserver's
 *   `/.well-known/matrix/client`, which eqmd's nginx serves (force_disable: true).
 */
import { Settings } from "../config/settings";

/** The config.json content as an object. */
export function elementConfig(s: Settings): Record<string, unknown> {
  const eqmdHome = `https://${s.server.eqmdDomain}/`;
  const sso = s.oidc.enabled
    ? {
        // Straight to eqmd's login; after logout, back to eqmd (not into an SSO loop).
        sso_redirect_options: { immediate: true },
        logout_redirect_url: eqmdHome,
      }
    : {};
  return {
    default_server_config: {
      "m.homeserver": { base_url: s.server.publicBaseUrl, server_name: s.server.name },
    },
    brand: s.element.brand,
    disable_custom_urls: true,
    disable_guests: true,
    disable_3pid_login: true,
    disable_login_language_selector: true,
    ...sso,
    show_labs_settings: false,
    default_federate: false,
    default_country_code: "BR",
    default_theme: "light",
    room_directory: { servers: [s.server.name] },
    // No integration manager (Element's docs: set these to null to disable integrations).
    integrations_ui_url: null,
    integrations_rest_url: null,
    integrations_widgets_urls: null,
    setting_defaults: {
      "UIFeature.voip": false, // call buttons (1:1 VoIP and Jitsi conferences)
      "UIFeature.widgets": false, // widgets, which is how Jitsi conferences run
      "UIFeature.urlPreviews": false, // Synapse has url_preview_enabled: false
      "UIFeature.registration": false, // accounts come from eqmd
      "UIFeature.passwordReset": false,
      "UIFeature.deactivate": false, // eqmd deactivates accounts
      "UIFeature.identityServer": false,
      "UIFeature.thirdPartyId": false,
    },
    help_url: eqmdHome,
    branding: { auth_footer_links: [{ text: s.server.eqmdDomain, url: eqmdHome }] },
  };
}

/** config.json text: two-space JSON with a trailing newline. */
export function renderElementConfigJson(s: Settings): string {
  return JSON.stringify(elementConfig(s), null, 2) + "\n";
}
