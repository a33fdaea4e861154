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
 * - `privacy_policy_url` and `cookie_policy_url`: the first is read only by the analytics
 *   consent prompt (eqmd configures no analytics), the second is no Element option. eqmd's
 *   privacy page reaches users through `terms_and_conditions_links` (element.termsLinks).
 * - `embedded_pages.login_for_welcome: false`: Element's default.
 *
 * Four options eqmd sets in `element/config.json.template` are configurable (element.*):
 * `features.feature_pinning`, `enable_presence_by_hs_url`, `terms_and_conditions_links` and
 * `embedded_pages.home_url`; Pulumi.prod.yaml carries eqmd's values.
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
    ...baseConfig(s, eqmdHome, sso),
    ...operatorChoices(s),
  };
}

function baseConfig(s: Settings, eqmdHome: string, sso: Record<string, unknown>): Record<string, unknown> {
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

/** The element.* keys an operator sets (eqmd's values in Pulumi.prod.yaml). */
function operatorChoices(s: Settings): Record<string, unknown> {
  const e = s.element;
  return {
    // A labs flag in the 1.11 releases; set in config.json it is on for everyone.
    features: { feature_pinning: e.messagePinning },
    // Element looks this map up by the client's base URL, not by the text configured.
    enable_presence_by_hs_url: { [clientBaseUrl(s.server.publicBaseUrl)]: e.showPresence },
    ...(e.termsLinks.length > 0 ? { terms_and_conditions_links: e.termsLinks.map((l) => ({ ...l })) } : {}),
    // Element fetches this page from the browser and inlines it: the page's server must allow
    // the chat origin (CORS), and Element's CSP must allow the host (connect-src).
    ...(e.homeUrl !== undefined ? { embedded_pages: { home_url: e.homeUrl } } : {}),
  };
}

/**
 * The base URL as Element's client holds it: matrix-js-sdk's discovery rebuilds it from the
 * parsed URL (lower-case host, default port dropped) without the trailing slash. eqmd's key
 * "https://<fqdn>/" (with the slash) therefore never matches, and presence stays on there.
 */
export function clientBaseUrl(baseUrl: string): string {
  const u = new URL(baseUrl);
  return `${u.protocol}//${u.host}${u.pathname}`.replace(/\/$/, "");
}

/** config.json text: two-space JSON with a trailing newline. */
export function renderElementConfigJson(s: Settings): string {
  return JSON.stringify(elementConfig(s), null, 2) + "\n";
}
