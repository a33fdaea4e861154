import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EQMD_PROD_RAW, settingsFrom, DEV_RAW } from "../../support/settings";
import { clientBaseUrl, elementConfig, renderElementConfigJson } from "../../../render/element";
import { renderHomeserverYaml } from "../../../render/homeserver";
import { renderLogConfig } from "../../../render/logConfig";

describe("element config.json", () => {
  it("is deterministic two-space JSON with a trailing newline", () => {
    const text = renderElementConfigJson(settingsFrom());
    assert.equal(text, renderElementConfigJson(settingsFrom()));
    assert.ok(text.endsWith("}\n"));
    assert.equal(text, JSON.stringify(JSON.parse(text), null, 2) + "\n");
    assert.deepEqual(JSON.parse(text), elementConfig(settingsFrom()));
  });

  it("names the homeserver only through default_server_config", () => {
    const c = elementConfig(settingsFrom());
    assert.deepEqual(c.default_server_config, {
      "m.homeserver": { base_url: "https://matrix.yourhospital.com/", server_name: "matrix.yourhospital.com" },
    });
    assert.ok(!("default_server_name" in c), "Element refuses default_server_name next to default_server_config");
    assert.ok(!("default_hs_url" in c));
  });

  it("has no custom_css_url (not an Element option)", () => {
    assert.ok(!renderElementConfigJson(settingsFrom()).includes("custom_css_url"));
  });

  it("keeps eqmd's product choices", () => {
    const c = elementConfig(settingsFrom());
    assert.equal(c.brand, "EquipeMed Chat");
    assert.equal(c.disable_guests, true);
    assert.equal(c.disable_3pid_login, true);
    assert.equal(c.show_labs_settings, false);
    assert.equal(c.default_federate, false);
    assert.deepEqual(c.room_directory, { servers: ["matrix.yourhospital.com"] });
    assert.equal(
      "io.element.e2ee" in c,
      false,
      "inert in config.json: Element reads it from /.well-known/matrix/client",
    );
    assert.equal(c.integrations_ui_url, null);
    assert.equal(c.integrations_rest_url, null);
    assert.equal(c.integrations_widgets_urls, null);
    const defaults = c.setting_defaults as Record<string, unknown>;
    assert.equal(defaults["UIFeature.voip"], false);
    assert.equal(defaults["UIFeature.widgets"], false);
  });

  it("links to eqmd's site", () => {
    const c = elementConfig(settingsFrom());
    assert.equal(c.help_url, "https://yourhospital.com/");
    assert.deepEqual(c.branding, {
      auth_footer_links: [{ text: "yourhospital.com", url: "https://yourhospital.com/" }],
    });
    assert.equal(c.logout_redirect_url, "https://yourhospital.com/");
  });

  it("sends users straight to SSO only when OIDC is on", () => {
    assert.deepEqual(elementConfig(settingsFrom()).sso_redirect_options, { immediate: true });
    const dev = elementConfig(settingsFrom(DEV_RAW, "dev"));
    assert.ok(!("sso_redirect_options" in dev));
    assert.ok(!("logout_redirect_url" in dev));
    assert.deepEqual(dev.default_server_config, {
      "m.homeserver": { base_url: "http://localhost:8008/", server_name: "localhost" },
    });
  });

  it("a branding change changes only the Element output", () => {
    const before = settingsFrom();
    const after = settingsFrom({ ...EQMD_PROD_RAW, element: { brand: "Hospital Chat" } });
    assert.equal(elementConfig(after).brand, "Hospital Chat");
    assert.notEqual(renderElementConfigJson(after), renderElementConfigJson(before));
    assert.equal(renderHomeserverYaml(after), renderHomeserverYaml(before));
    assert.equal(renderLogConfig(after), renderLogConfig(before));
    const a = elementConfig(after);
    const b = elementConfig(before);
    const changed = Object.keys(b).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    assert.deepEqual(changed, ["brand"]);
  });

  it("defaults to Element's own behaviour for pinning and presence, with no legal links or home page", () => {
    const c = elementConfig(settingsFrom());
    assert.deepEqual(c.features, { feature_pinning: false });
    assert.deepEqual(c.enable_presence_by_hs_url, { "https://matrix.yourhospital.com": true });
    assert.ok(!("terms_and_conditions_links" in c));
    assert.ok(!("embedded_pages" in c));
  });

  it("renders eqmd's pinning, presence, legal links and home page when set", () => {
    const c = elementConfig(
      settingsFrom({
        ...EQMD_PROD_RAW,
        element: {
          messagePinning: true,
          showPresence: false,
          termsLinks: [
            { text: "Privacy Policy", url: "https://yourhospital.com/privacy-policy" },
            { text: "Terms of Service", url: "https://yourhospital.com/terms-of-service" },
          ],
          homeUrl: "https://yourhospital.com/",
        },
      }),
    );
    assert.deepEqual(c.features, { feature_pinning: true });
    assert.deepEqual(c.enable_presence_by_hs_url, { "https://matrix.yourhospital.com": false });
    assert.deepEqual(c.terms_and_conditions_links, [
      { text: "Privacy Policy", url: "https://yourhospital.com/privacy-policy" },
      { text: "Terms of Service", url: "https://yourhospital.com/terms-of-service" },
    ]);
    assert.deepEqual(c.embedded_pages, { home_url: "https://yourhospital.com/" });
    assert.ok(!("privacy_policy_url" in c), "read only by the analytics prompt, which eqmd does not configure");
  });

  it("keys presence by the base URL as Element's client holds it (matrix-js-sdk's rule)", () => {
    assert.equal(clientBaseUrl("https://matrix.yourhospital.com/"), "https://matrix.yourhospital.com");
    assert.equal(clientBaseUrl("https://Matrix.Example.org:443/"), "https://matrix.example.org");
    assert.equal(clientBaseUrl("http://localhost:8008/"), "http://localhost:8008");
    const dev = elementConfig(settingsFrom({ ...DEV_RAW, element: { showPresence: false } }, "dev"));
    assert.deepEqual(dev.enable_presence_by_hs_url, { "http://localhost:8008": false });
  });

  it("the new keys change only their own part of config.json", () => {
    const before = elementConfig(settingsFrom());
    const after = elementConfig(settingsFrom({ ...EQMD_PROD_RAW, element: { messagePinning: true } }));
    const changed = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
    assert.deepEqual(changed, ["features"]);
  });
});
