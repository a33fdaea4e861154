/**
 * Just enough of a browser for SSO flows over plain HTTP: a cookie jar (per host, ignoring the
 * port, as browsers do), manual redirects, and form posts. Uses the global fetch.
 */

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

export interface NavigateOptions {
  /** POST this form (application/x-www-form-urlencoded) to the first URL. */
  form?: Readonly<Record<string, string>>;
  /** Stop before requesting a URL for which this returns true (e.g. the client's redirect URL). */
  stopAt?: (url: URL) => boolean;
  maxRedirects?: number;
}

export interface Navigation {
  /** The last page fetched (the 3xx that pointed at `stoppedAt`, when stopped). */
  page: Page;
  /** Every URL requested, in order. */
  chain: string[];
  /** The URL `stopAt` matched, not requested. */
  stoppedAt?: URL;
}

export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** One request, no redirect following. */
  async request(url: string, form?: Readonly<Record<string, string>>): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    const cookies = this.jar.get(target.hostname);
    if (cookies && cookies.size > 0) {
      headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    let body: string | undefined;
    if (form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers.referer = url;
      body = new URLSearchParams(form).toString();
    }
    const response = await fetch(target, { method: form ? "POST" : "GET", headers, body, redirect: "manual" });
    this.store(target.hostname, response.headers.getSetCookie());
    return { url: target.toString(), status: response.status, headers: response.headers, body: await response.text() };
  }

  /** Requests `url` and follows redirects until a non-redirect answer or `stopAt`. */
  async navigate(url: string, options: NavigateOptions = {}): Promise<Navigation> {
    const chain: string[] = [];
    let current = new URL(url);
    let form = options.form;
    for (let hop = 0; hop <= (options.maxRedirects ?? 20); hop++) {
      chain.push(current.toString());
      const page = await this.request(current.toString(), form);
      form = undefined;
      const location = page.headers.get("location");
      if (page.status < 300 || page.status >= 400 || !location) {
        return { page, chain };
      }
      const next = new URL(location, current);
      if (options.stopAt?.(next)) {
        return { page, chain, stoppedAt: next };
      }
      current = next;
    }
    throw new Error(`too many redirects from ${url}: ${chain.join(" -> ")}`);
  }

  /** The value of a cookie the jar holds for `host`, if any. */
  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  private store(host: string, setCookies: string[]): void {
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    this.jar.set(host, cookies);
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(";");
      const separator = pair.indexOf("=");
      if (separator <= 0) {
        continue;
      }
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(attribute));
      if (expired) {
        cookies.delete(name);
      } else {
        cookies.set(name, value);
      }
    }
  }
}

/** The `name="…" value="…"` pairs of a page's <input> elements (hidden fields such as the CSRF token). */
export function inputValues(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input\b[^>]*>/gi)) {
    const tag = match[0];
    const name = /\bname\s*=\s*"([^"]*)"/i.exec(tag)?.[1];
    const value = /\bvalue\s*=\s*"([^"]*)"/i.exec(tag)?.[1];
    if (name !== undefined) {
      fields[name] = decodeEntities(value ?? "");
    }
  }
  return fields;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
