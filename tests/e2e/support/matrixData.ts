/**
 * Clinical-conversation-like data made through Synapse's HTTP APIs (client and admin), and the
 * checks that it is all still there: the history in order, every upload byte for byte.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";

export interface Account {
  readonly userId: string;
  readonly token: string;
}

export interface Upload {
  readonly mxc: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface MatrixData {
  readonly alice: Account;
  readonly bob: Account;
  readonly roomId: string;
  /** Bodies of the room's messages, in the order they were sent. */
  readonly messages: readonly string[];
  readonly uploads: readonly Upload[];
}

export class MatrixHttp {
  constructor(readonly baseUrl: string) {}

  async call(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { raw: text.slice(0, 200) };
    }
    return { status: response.status, json };
  }

  async ok(method: string, path: string, token?: string, body?: unknown): Promise<Record<string, unknown>> {
    const r = await this.call(method, path, token, body);
    assert.equal(r.status, 200, `${method} ${path} answered ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
    return r.json;
  }

  async download(token: string, mxc: string): Promise<{ status: number; bytes: Buffer }> {
    const [server, mediaId] = mxc.replace("mxc://", "").split("/");
    const response = await fetch(`${this.baseUrl}/_matrix/client/v1/media/download/${server}/${mediaId}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  }
}

/** Two accounts (made by the admin API), a room, `count` messages and uploads of the given sizes. */
export async function makeData(
  http: MatrixHttp,
  adminToken: string,
  serverName: string,
  count: number,
  uploadSizes: readonly number[],
): Promise<MatrixData> {
  const account = async (localpart: string): Promise<Account> => {
    const userId = `@${localpart}:${serverName}`;
    const password = randomBytes(12).toString("hex");
    await http.call("PUT", `/_synapse/admin/v2/users/${encodeURIComponent(userId)}`, adminToken, { password });
    // No rate limit for the test's senders (Synapse's default allows a burst of 10 messages).
    await http.ok("POST", `/_synapse/admin/v1/users/${encodeURIComponent(userId)}/override_ratelimit`, adminToken, {
      messages_per_second: 0,
      burst_count: 0,
    });
    const login = await http.ok("POST", "/_matrix/client/v3/login", undefined, {
      type: "m.login.password",
      identifier: { type: "m.id.user", user: localpart },
      password,
    });
    return { userId, token: String(login["access_token"]) };
  };
  const alice = await account("alice");
  const bob = await account("bob");
  const room = await http.ok("POST", "/_matrix/client/v3/createRoom", alice.token, {
    name: "ward 3 handover",
    invite: [bob.userId],
  });
  const roomId = String(room["room_id"]);
  await http.ok("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/join`, bob.token, {});
  const messages: string[] = [];
  for (let i = 0; i < count; i++) {
    const sender = i % 2 === 0 ? alice : bob;
    const body = `message ${String(i + 1).padStart(4, "0")} from ${sender.userId}`;
    await http.ok(
      "PUT",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t${i}`,
      sender.token,
      {
        msgtype: "m.text",
        body,
      },
    );
    messages.push(body);
  }
  const uploads: Upload[] = [];
  for (const [i, size] of uploadSizes.entries()) {
    const bytes = randomBytes(size);
    const response = await fetch(`${http.baseUrl}/_matrix/media/v3/upload?filename=scan-${i}.bin`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/octet-stream" },
      body: bytes,
      signal: AbortSignal.timeout(60_000),
    });
    assert.equal(response.status, 200, `upload ${i}`);
    const mxc = String(((await response.json()) as Record<string, unknown>)["content_uri"]);
    await http.ok(
      "PUT",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/u${i}`,
      alice.token,
      {
        msgtype: "m.file",
        body: `scan-${i}.bin`,
        url: mxc,
      },
    );
    uploads.push({ mxc, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: size });
  }
  return { alice, bob, roomId, messages, uploads };
}

/** The room's text messages, oldest first, as `token` reads them (paginating forwards). */
export async function readHistory(http: MatrixHttp, token: string, roomId: string): Promise<string[]> {
  const bodies: string[] = [];
  let from: string | undefined;
  for (let page = 0; page < 50; page++) {
    const query = `dir=f&limit=500${from ? `&from=${encodeURIComponent(from)}` : ""}`;
    const r = await http.ok("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${query}`, token);
    const chunk = (r["chunk"] as { type: string; content: { msgtype?: string; body?: string } }[]) ?? [];
    for (const e of chunk)
      if (e.type === "m.room.message" && e.content.msgtype === "m.text") bodies.push(String(e.content.body));
    if (chunk.length === 0 || typeof r["end"] !== "string") break;
    from = r["end"];
  }
  return bodies;
}

/** Everything that must survive: both old tokens read the whole history in order and every upload byte for byte. */
export async function assertDataIntact(http: MatrixHttp, data: MatrixData): Promise<void> {
  for (const who of [data.alice, data.bob]) {
    const me = await http.ok("GET", "/_matrix/client/v3/account/whoami", who.token);
    assert.equal(me["user_id"], who.userId, "the token from before the backup still logs in");
    assert.deepEqual(
      await readHistory(http, who.token, data.roomId),
      data.messages,
      `${who.userId} reads the history in order`,
    );
    for (const upload of data.uploads) {
      const d = await http.download(who.token, upload.mxc);
      assert.equal(d.status, 200, `${upload.mxc} downloads`);
      assert.equal(createHash("sha256").update(d.bytes).digest("hex"), upload.sha256, `${upload.mxc} byte for byte`);
    }
  }
}
