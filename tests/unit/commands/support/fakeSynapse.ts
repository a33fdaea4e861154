/**
 * A small in-process imitation of the Synapse endpoints the admin bootstrap and verification
 * scripts call (and of an OpenID provider's discovery + JWKS), on 127.0.0.1. It follows the
 * behaviour read from Synapse's sources: shared-secret registration (nonce + HMAC-SHA1),
 * puppet tokens from the admin login-as-user API owned by the calling admin, deactivation
 * deleting every token the user owns (puppet tokens included), locked users refused.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { registrationMac } from "../../../support/registrationMac";

export interface FakeUser {
  admin: boolean;
  deactivated: boolean;
  locked: boolean;
  password: string;
}

export interface FakeToken {
  /** Who created/owns the token (access_tokens.user_id). */
  owner: string;
  /** Set for tokens from the login-as-user API: who the token acts as. */
  puppets?: string;
  device?: string;
}

export interface FakeSynapseOptions {
  sharedSecret?: string | null;
  serverName?: string;
  /** `m.login.sso` identity providers offered; empty = no SSO flow. */
  idpIds?: string[];
  passwordLogin?: boolean;
  /** JWKS keys served at /o/jwks. */
  jwksKeys?: Array<Record<string, string>>;
  /** Issuer reported by discovery; default `<base>/o`. */
  reportedIssuer?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: unknown;
}

export class FakeSynapse {
  readonly users = new Map<string, FakeUser>();
  readonly tokens = new Map<string, FakeToken>();
  readonly requests: RecordedRequest[] = [];
  readonly nonces = new Set<string>();
  sharedSecret: string | null;
  serverName: string;
  idpIds: string[];
  passwordLogin: boolean;
  jwksKeys: Array<Record<string, string>>;
  reportedIssuer?: string;
  private server?: http.Server;
  port = 0;

  constructor(opts: FakeSynapseOptions = {}) {
    this.sharedSecret = opts.sharedSecret === undefined ? "fake-shared-secret" : opts.sharedSecret;
    this.serverName = opts.serverName ?? "matrix.test.local";
    this.idpIds = opts.idpIds ?? ["oidc-equipemed"];
    this.passwordLogin = opts.passwordLogin ?? false;
    this.jwksKeys = opts.jwksKeys ?? [{ kty: "RSA", alg: "RS256", use: "sig", kid: "k1", n: "AQAB", e: "AQAB" }];
    if (opts.reportedIssuer !== undefined) this.reportedIssuer = opts.reportedIssuer;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get issuer(): string {
    return `${this.baseUrl}/o`;
  }

  /** Listens on `port` (0 = any free port). */
  async start(port = 0): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        let body: unknown;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          body = raw;
        }
        const rec: RecordedRequest = { method: req.method ?? "", path: req.url ?? "" };
        if (req.headers.authorization) rec.authorization = req.headers.authorization;
        if (body !== undefined) rec.body = body;
        this.requests.push(rec);
        const [status, payload] = this.handle(rec, req.headers.authorization);
        const text = typeof payload === "string" ? payload : JSON.stringify(payload);
        res.writeHead(status, { "Content-Type": typeof payload === "string" ? "text/plain" : "application/json" });
        res.end(text);
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  count(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
  }

  /** Adds a user (as if registered earlier) and returns it. */
  addUser(userId: string, user: Partial<FakeUser> = {}): FakeUser {
    const u: FakeUser = { admin: false, deactivated: false, locked: false, password: "unknown", ...user };
    this.users.set(userId, u);
    return u;
  }

  issueToken(owner: string, extra: Partial<FakeToken> = {}): string {
    const token = `syt_${randomBytes(12).toString("hex")}`;
    this.tokens.set(token, { owner, ...extra });
    return token;
  }

  /** The user a token acts as, like Synapse's get_user_by_req (locked users refused). */
  actingUser(token: string): string | undefined {
    const t = this.tokens.get(token);
    if (!t) return undefined;
    const user = t.puppets ?? t.owner;
    const u = this.users.get(user);
    if (!u || u.locked) return undefined;
    return user;
  }

  /** Synapse's deactivate_account: deletes every token the user owns, puppet tokens included. */
  deactivate(userId: string): void {
    const u = this.users.get(userId);
    if (u) u.deactivated = true;
    for (const [tok, t] of this.tokens) if (t.owner === userId) this.tokens.delete(tok);
  }

  /** user id → its override_ratelimit values (the admin API's ratelimit_override rows). */
  readonly rateLimitOverrides = new Map<string, { messages_per_second: number; burst_count: number }>();

  private handle(req: RecordedRequest, authorization: string | undefined): [number, unknown] {
    const url = new URL(req.path, "http://x");
    const p = url.pathname;
    const token = authorization?.startsWith("Bearer ") ? authorization.slice(7) : undefined;
    const err = (status: number, errcode: string, error: string): [number, unknown] => [status, { errcode, error }];
    const auth = (): string | [number, unknown] => {
      if (!token) return err(401, "M_MISSING_TOKEN", "Missing access token");
      const t = this.tokens.get(token);
      if (!t) return err(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.");
      const user = t.puppets ?? t.owner;
      if (this.users.get(user)?.locked) return err(401, "M_USER_LOCKED", "User account has been locked");
      return user;
    };
    const admin = (): string | [number, unknown] => {
      const who = auth();
      if (typeof who !== "string") return who;
      if (!this.users.get(who)?.admin) return err(403, "M_FORBIDDEN", "You are not a server admin");
      return who;
    };

    if (req.method === "GET" && p === "/health") return [200, "OK"];

    if (p === "/_synapse/admin/v1/register") {
      if (req.method === "GET") {
        const nonce = randomBytes(16).toString("hex");
        this.nonces.add(nonce);
        return [200, { nonce }];
      }
      if (!this.sharedSecret) return err(400, "M_UNKNOWN", "Shared secret registration is not enabled");
      const b = req.body as Record<string, unknown>;
      const nonce = String(b["nonce"]);
      if (!this.nonces.has(nonce)) return err(400, "M_UNKNOWN", "unrecognised nonce");
      this.nonces.delete(nonce);
      const username = String(b["username"]);
      const password = String(b["password"]);
      const isAdmin = Boolean(b["admin"]);
      if (b["mac"] !== registrationMac(this.sharedSecret, nonce, username, password, isAdmin)) {
        return err(403, "M_UNKNOWN", "HMAC incorrect"); // errcode as real Synapse 1.99 and 1.163 answer
      }
      const userId = `@${username.toLowerCase()}:${this.serverName}`;
      if (this.users.has(userId)) return err(400, "M_USER_IN_USE", "User ID already taken.");
      this.addUser(userId, { admin: isAdmin, password });
      const device = randomBytes(4).toString("hex").toUpperCase();
      const accessToken = this.issueToken(userId, { device });
      return [200, { user_id: userId, access_token: accessToken, device_id: device, home_server: this.serverName }];
    }

    if (req.method === "GET" && p === "/_matrix/client/v3/account/whoami") {
      const who = auth();
      if (typeof who !== "string") return who;
      const t = this.tokens.get(token as string) as FakeToken;
      return [
        200,
        t.device ? { user_id: who, device_id: t.device, is_guest: false } : { user_id: who, is_guest: false },
      ];
    }

    if (p === "/_matrix/client/v3/login") {
      if (req.method === "GET") {
        const flows: unknown[] = [];
        if (this.idpIds.length)
          flows.push({ type: "m.login.sso", identity_providers: this.idpIds.map((id) => ({ id, name: id })) });
        flows.push({ type: "m.login.token" });
        if (this.passwordLogin) flows.push({ type: "m.login.password" });
        flows.push({ type: "m.login.application_service" });
        return [200, { flows }];
      }
      const b = req.body as { type?: string; identifier?: { user?: string }; password?: string };
      if (b.type !== "m.login.password" || !this.passwordLogin) return err(400, "M_UNKNOWN", "Unknown login type");
      const userId = `@${String(b.identifier?.user).toLowerCase()}:${this.serverName}`;
      const u = this.users.get(userId);
      if (!u || u.password !== b.password || u.deactivated)
        return err(403, "M_FORBIDDEN", "Invalid username or password");
      const device = randomBytes(4).toString("hex").toUpperCase();
      return [200, { user_id: userId, access_token: this.issueToken(userId, { device }), device_id: device }];
    }

    if (req.method === "POST" && p === "/_matrix/client/v3/logout") {
      const who = auth();
      if (typeof who !== "string") return who;
      const t = this.tokens.get(token as string) as FakeToken;
      if (t.device) {
        for (const [tok, other] of this.tokens)
          if (other.owner === t.owner && other.device === t.device) this.tokens.delete(tok);
      } else this.tokens.delete(token as string);
      return [200, {}];
    }

    let m = /^\/_synapse\/admin\/v2\/users\/([^/]+)$/.exec(p);
    if (m) {
      const who = admin();
      if (typeof who !== "string") return who;
      const userId = decodeURIComponent(m[1]);
      const u = this.users.get(userId);
      if (req.method === "GET") {
        if (!u) return err(404, "M_NOT_FOUND", "User not found");
        return [200, { name: userId, admin: u.admin, deactivated: u.deactivated, locked: u.locked }];
      }
      if (req.method === "PUT") {
        const b = req.body as Record<string, unknown>;
        const target = u ?? this.addUser(userId);
        if (typeof b["admin"] === "boolean") {
          if (userId === who && !b["admin"]) return err(400, "M_UNKNOWN", "You may not demote yourself.");
          target.admin = b["admin"];
        }
        if (typeof b["locked"] === "boolean") target.locked = b["locked"];
        return [u ? 200 : 201, { name: userId, admin: target.admin, locked: target.locked }];
      }
    }

    m = /^\/_synapse\/admin\/v1\/users\/([^/]+)\/login$/.exec(p);
    if (m && req.method === "POST") {
      const who = admin();
      if (typeof who !== "string") return who;
      const userId = decodeURIComponent(m[1]);
      if (userId === who) return err(400, "M_UNKNOWN", "Cannot use admin API to login as self");
      if (!this.users.has(userId)) return err(404, "M_NOT_FOUND", "User not found");
      return [200, { access_token: this.issueToken(who, { puppets: userId }) }];
    }

    // Synapse answers {} for a user without an override (and 404 for an unknown user).
    m = /^\/_synapse\/admin\/v1\/users\/([^/]+)\/override_ratelimit$/.exec(p);
    if (m) {
      const who = admin();
      if (typeof who !== "string") return who;
      const userId = decodeURIComponent(m[1]);
      if (!this.users.has(userId)) return err(404, "M_NOT_FOUND", "User not found");
      if (req.method === "GET") return [200, this.rateLimitOverrides.get(userId) ?? {}];
      if (req.method === "POST") {
        const b = req.body as { messages_per_second?: number; burst_count?: number };
        const value = { messages_per_second: b.messages_per_second ?? 0, burst_count: b.burst_count ?? 0 };
        this.rateLimitOverrides.set(userId, value);
        return [200, value];
      }
    }

    m = /^\/_synapse\/admin\/v1\/deactivate\/([^/]+)$/.exec(p);
    if (m && req.method === "POST") {
      const who = admin();
      if (typeof who !== "string") return who;
      this.deactivate(decodeURIComponent(m[1]));
      return [200, { id_server_unbind_result: "success" }];
    }

    if (req.method === "GET" && p === "/o/.well-known/openid-configuration") {
      return [
        200,
        {
          issuer: this.reportedIssuer ?? this.issuer,
          jwks_uri: `${this.issuer}/jwks`,
          response_types_supported: ["code"],
        },
      ];
    }
    if (req.method === "GET" && p === "/o/jwks") return [200, { keys: this.jwksKeys }];

    return err(404, "M_UNRECOGNIZED", "Unrecognized request");
  }
}

/** A 127.0.0.1 port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
