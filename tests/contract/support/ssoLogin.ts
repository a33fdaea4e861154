/**
 * A user's SSO login through Synapse and the OpenID provider, as a browser does it:
 * /login/sso/redirect/<idp> → provider's /o/authorize → login form → callback → client URL
 * with `loginToken`. The Matrix side then uses `m.login.token`.
 */
import { Browser, Page, inputValues } from "./browser";

export interface SsoLoginOptions {
  /** Synapse's public base URL, e.g. http://127.0.0.1:8008 */
  synapseUrl: string;
  /** The identity provider id as /login lists it, e.g. "oidc-equipemed". */
  idpId: string;
  /** The client URL Synapse sends the login token to (never requested). */
  clientRedirectUrl: string;
  username: string;
  password: string;
  /** Reuse a browser (its provider session) instead of a fresh one. */
  browser?: Browser;
}

export type SsoOutcome =
  | { kind: "loginToken"; loginToken: string; chain: string[] }
  /** Synapse (or the provider) answered with a page instead of sending the user to the client. */
  | { kind: "refused"; page: Page; chain: string[] };

export async function ssoLogin(options: SsoLoginOptions): Promise<SsoOutcome> {
  const browser = options.browser ?? new Browser();
  const client = new URL(options.clientRedirectUrl);
  const stopAt = (url: URL): boolean => url.origin === client.origin && url.pathname === client.pathname;
  const start =
    `${options.synapseUrl}/_matrix/client/v3/login/sso/redirect/${encodeURIComponent(options.idpId)}` +
    `?redirectUrl=${encodeURIComponent(options.clientRedirectUrl)}`;

  let navigation = await browser.navigate(start, { stopAt });
  const chain = [...navigation.chain];
  if (!navigation.stoppedAt && isLoginForm(navigation.page)) {
    const fields = inputValues(navigation.page.body);
    navigation = await browser.navigate(navigation.page.url, {
      form: { ...fields, username: options.username, password: options.password },
      stopAt,
    });
    chain.push(...navigation.chain);
    if (!navigation.stoppedAt && isLoginForm(navigation.page)) {
      throw new Error(`the provider did not accept ${options.username}'s password (still on ${navigation.page.url})`);
    }
  }
  const loginToken = navigation.stoppedAt?.searchParams.get("loginToken");
  if (loginToken) {
    return { kind: "loginToken", loginToken, chain };
  }
  return { kind: "refused", page: navigation.page, chain };
}

function isLoginForm(page: Page): boolean {
  return page.status === 200 && /name="csrfmiddlewaretoken"/.test(page.body) && /name="password"/.test(page.body);
}
