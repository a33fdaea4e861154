/**
 * The load benchmark's simulated users, on Node's fetch and Synapse's client-server API: each
 * sends a text message at a fixed rate into its room and long-polls /sync as Element does
 * (lazy-loaded members, no presence), and every message is followed from its PUT to each
 * other member's /sync. Users and rooms are made through the admin API (no password hashing,
 * so making 200 users costs the server almost nothing). Every request has a timeout, every
 * loop ends with its phase.
 */
import { PhaseBook, PhaseCounts } from "./loadStats";

const REQUEST_TIMEOUT_MS = 30_000;
/** The server holds a /sync this long when nothing happens; the client waits this plus a margin. */
const SYNC_TIMEOUT_MS = 20_000;

export interface LoadUser {
  readonly index: number;
  readonly userId: string;
  readonly token: string;
}

export class MatrixClient {
  constructor(readonly baseUrl: string) {}

  async call(
    method: string,
    path: string,
    token: string,
    body?: unknown,
    signal?: AbortSignal,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { raw: text.slice(0, 200) };
    }
    return { status: response.status, json };
  }

  async ok(method: string, path: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
    const r = await this.call(method, path, token, body);
    // The admin API answers 201 when it creates a user, 200 when it changes one.
    if (r.status !== 200 && r.status !== 201)
      throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
    return r.json;
  }
}

/** Runs `work` on every item, at most `limit` at a time. */
async function eachLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}

const enc = encodeURIComponent;

/** Synapse's default rc_message would hold a simulated user to 0.2 messages/s: lift it, per user. */
async function liftRateLimit(client: MatrixClient, adminToken: string, userId: string): Promise<void> {
  await client.ok("POST", `/_synapse/admin/v1/users/${enc(userId)}/override_ratelimit`, adminToken, {
    messages_per_second: 0,
    burst_count: 0,
  });
}

/** `count` users @load0001… made and logged in through the admin API. */
export async function makeUsers(
  client: MatrixClient,
  adminToken: string,
  adminUserId: string,
  count: number,
): Promise<LoadUser[]> {
  const server = adminUserId.slice(adminUserId.indexOf(":") + 1);
  await liftRateLimit(client, adminToken, adminUserId);
  const indexes = Array.from({ length: count }, (_, i) => i);
  return eachLimited(indexes, 8, async (index) => {
    const userId = `@load${String(index + 1).padStart(4, "0")}:${server}`;
    await client.ok("PUT", `/_synapse/admin/v2/users/${enc(userId)}`, adminToken, { displayname: `Load ${index}` });
    await liftRateLimit(client, adminToken, userId);
    const login = await client.ok("POST", `/_synapse/admin/v1/users/${enc(userId)}/login`, adminToken, {});
    return { index, userId, token: String(login["access_token"]) };
  });
}

/** Who is in which room: user i in room i mod R, so each room has K/R active members. */
export interface Rooms {
  readonly roomOf: ReadonlyMap<string, string>;
  readonly membersOf: ReadonlyMap<string, ReadonlySet<string>>;
}

/** `roomCount` public rooms made by the admin, each joined by its share of `users`. */
export async function makeRooms(
  client: MatrixClient,
  adminToken: string,
  users: readonly LoadUser[],
  roomCount: number,
  label: string,
): Promise<Rooms> {
  const roomIds: string[] = [];
  for (let r = 0; r < roomCount; r++) {
    const room = await client.ok("POST", "/_matrix/client/v3/createRoom", adminToken, {
      preset: "public_chat",
      name: `${label} room ${r + 1}`,
    });
    roomIds.push(String(room["room_id"]));
  }
  const roomOf = new Map<string, string>();
  const membersOf = new Map<string, Set<string>>(roomIds.map((id) => [id, new Set<string>()]));
  await eachLimited(users, 8, async (user) => {
    const roomId = roomIds[user.index % roomCount];
    await client.ok("POST", `/_matrix/client/v3/join/${enc(roomId)}`, user.token, {});
    roomOf.set(user.userId, roomId);
    membersOf.get(roomId)?.add(user.userId);
  });
  return { roomOf, membersOf };
}

/** Element's shape of a /sync: lazy-loaded members, no presence, no typing or receipts. */
const SYNC_FILTER = enc(
  JSON.stringify({
    presence: { not_types: ["*"] },
    account_data: { not_types: ["*"] },
    room: {
      state: { lazy_load_members: true },
      timeline: { limit: 100 },
      ephemeral: { not_types: ["*"] },
      account_data: { not_types: ["*"] },
    },
  }),
);

interface TimelineEvent {
  type?: string;
  sender?: string;
  content?: { body?: unknown };
}
type SyncRooms = Record<string, { timeline?: { events?: TimelineEvent[]; limited?: boolean } }>;

export interface PhaseSpec {
  readonly label: string;
  readonly users: readonly LoadUser[];
  readonly rooms: Rooms;
  /** Messages per second per user. */
  readonly rate: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** After the window, how long to wait at most for the window's last messages to be seen. */
  readonly drainMs: number;
  /** Called as the measured window opens and as it closes (container stats). */
  readonly onWindowStart: () => Promise<void>;
  readonly onWindowEnd: () => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** One phase: initial syncs, then sends and long-polls through warm-up, window and drain. */
export async function runPhase(client: MatrixClient, spec: PhaseSpec): Promise<PhaseCounts> {
  const stop = new AbortController();
  const since = new Map<string, string>();
  await eachLimited(spec.users, 20, async (u) => {
    const r = await client.ok("GET", `/_matrix/client/v3/sync?filter=${SYNC_FILTER}&timeout=0`, u.token);
    since.set(u.userId, String(r["next_batch"]));
  });
  const start = Date.now();
  const from = start + spec.warmupMs;
  const to = from + spec.measureMs;
  const book = new PhaseBook(from, to);

  const syncLoop = async (u: LoadUser): Promise<void> => {
    while (!stop.signal.aborted) {
      const path = `/_matrix/client/v3/sync?filter=${SYNC_FILTER}&timeout=${SYNC_TIMEOUT_MS}&since=${enc(since.get(u.userId) ?? "")}`;
      try {
        const r = await client.call("GET", path, u.token, undefined, stop.signal, SYNC_TIMEOUT_MS + 15_000);
        const at = Date.now();
        if (r.status !== 200) {
          book.syncError(at);
          await sleep(1_000);
          continue;
        }
        since.set(u.userId, String(r.json["next_batch"]));
        const joined = (r.json["rooms"] as { join?: SyncRooms } | undefined)?.join ?? {};
        for (const room of Object.values(joined)) {
          if (room.timeline?.limited) book.gap(at);
          for (const e of room.timeline?.events ?? []) {
            const body = e.content?.body;
            if (e.type === "m.room.message" && typeof body === "string" && body.startsWith(`load ${spec.label}-`))
              book.delivered(body.slice(5), u.userId, at);
          }
        }
      } catch {
        if (stop.signal.aborted) return;
        book.syncError(Date.now());
        await sleep(1_000);
      }
    }
  };

  const inFlight = new Set<Promise<void>>();
  const sendLoop = async (u: LoadUser): Promise<void> => {
    const roomId = spec.rooms.roomOf.get(u.userId);
    if (roomId === undefined) throw new Error(`${u.userId} is in no room`);
    const receivers = new Set([...(spec.rooms.membersOf.get(roomId) ?? [])].filter((id) => id !== u.userId));
    const interval = 1000 / spec.rate;
    let busy = false;
    let n = 0;
    // Spread the users over one interval so they do not all send in the same millisecond.
    for (let next = start + Math.random() * interval; next < to; next += interval) {
      await sleep(next - Date.now());
      if (busy) {
        book.skippedTick(Date.now());
        continue;
      }
      const id = `${spec.label}-${u.index}-${n++}`;
      const startedAt = Date.now();
      book.sending(id, startedAt, receivers);
      busy = true;
      const send = client
        .call("PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${id}`, u.token, {
          msgtype: "m.text",
          body: `load ${id}`,
        })
        .then(
          (r) => book.sent(id, Date.now(), r.status === 200),
          () => book.sent(id, Date.now(), false),
        )
        .finally(() => {
          busy = false;
          inFlight.delete(send);
        });
      inFlight.add(send);
    }
  };

  const syncs = spec.users.map(syncLoop);
  const windowStart = sleep(from - Date.now()).then(spec.onWindowStart);
  await Promise.all(spec.users.map(sendLoop));
  await windowStart;
  await sleep(to - Date.now());
  await spec.onWindowEnd();
  await Promise.all([...inFlight]);
  const drainUntil = Date.now() + spec.drainMs;
  while (Date.now() < drainUntil && book.pendingDeliveries() > 0) await sleep(250);
  stop.abort();
  await Promise.all(syncs);
  return book.result();
}
