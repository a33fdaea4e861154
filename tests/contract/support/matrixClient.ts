/**
 * The Matrix side of the contract's SSO flow, through matrix-js-sdk (the library Element is
 * built on), the way a client uses it: exchange the SSO login token, then act as the user.
 */
import { createClient, Direction, ICreateClientOpts, MatrixClient, Preset } from "matrix-js-sdk";
import { logger as sdkRootLogger } from "matrix-js-sdk/lib/logger.js";
import * as path from "node:path";

// A few SDK parts (the send queue) log through the SDK's root logger, at info level.
sdkRootLogger.setLevel("warn", false);

type SdkLogger = NonNullable<ICreateClientOpts["logger"]>;

/** The SDK logs every request at debug level; the contract output keeps only its warnings and errors. */
const quietLogger: SdkLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (...message: unknown[]) => console.warn("matrix-js-sdk:", ...message),
  error: (...message: unknown[]) => console.error("matrix-js-sdk:", ...message),
  getChild: () => quietLogger,
};

/** `m.login.token` with the token Synapse handed to the client URL; returns a client for the session. */
export async function loginWithSsoToken(baseUrl: string, loginToken: string): Promise<MatrixClient> {
  const anonymous = createClient({ baseUrl, logger: quietLogger });
  const session = await anonymous.loginRequest({
    type: "m.login.token",
    token: loginToken,
    initial_device_display_name: "eqmd-matrix contract test",
  });
  return createClient({
    baseUrl,
    logger: quietLogger,
    accessToken: session.access_token,
    userId: session.user_id,
    deviceId: session.device_id,
  });
}

/** A client for an existing access token (admin or bot). */
export function clientWithToken(baseUrl: string, accessToken: string, userId: string): MatrixClient {
  return createClient({ baseUrl, accessToken, userId, logger: quietLogger });
}

export interface Conversation {
  roomId: string;
  eventId: string;
  /** The text bodies the room's timeline holds, newest first. */
  bodies: string[];
}

/** Creates a private room, sends `text` and reads the timeline back. */
export async function roomWithMessage(client: MatrixClient, name: string, text: string): Promise<Conversation> {
  const { room_id: roomId } = await client.createRoom({ name, preset: Preset.PrivateChat });
  const { event_id: eventId } = await client.sendTextMessage(roomId, text);
  const page = await client.createMessagesRequest(roomId, null, 20, Direction.Backward);
  const bodies = page.chunk
    .filter((event) => event.type === "m.room.message")
    .map((event) => (event.content as { body?: unknown }).body)
    .filter((body): body is string => typeof body === "string");
  return { roomId, eventId, bodies };
}

export interface Download {
  /** The URL the client chose (authenticated media or the legacy endpoint). */
  url: string;
  authenticated: boolean;
  status: number;
  bytes: Buffer;
}

/**
 * Downloads an mxc:// URI as a client would: the authenticated media endpoint (client v1,
 * Matrix v1.11) when the server advertises it, else the legacy media download.
 */
export async function downloadMedia(client: MatrixClient, mxc: string): Promise<Download> {
  const authenticated = await client.isVersionSupported("v1.11");
  const url = client.mxcUrlToHttp(mxc, undefined, undefined, undefined, false, true, authenticated);
  if (!url) throw new Error(`matrix-js-sdk could not turn ${mxc} into a URL`);
  const token = client.getAccessToken();
  const response = await fetch(url, {
    headers: authenticated && token ? { authorization: `Bearer ${token}` } : {},
  });
  return { url, authenticated, status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** Uploads bytes as the user; returns the mxc:// URI. */
export async function uploadMedia(client: MatrixClient, bytes: Buffer, name: string, type: string): Promise<string> {
  const { content_uri: uri } = await client.uploadContent(new Blob([new Uint8Array(bytes)], { type }), { name, type });
  return uri;
}

/** Where Synapse keeps a local media file: `<media_store>/local_content/ab/cd/efgh…`. */
export function localMediaPath(mediaStore: string, mxc: string): string {
  const match = /^mxc:\/\/[^/]+\/([A-Za-z0-9_-]{5,})$/.exec(mxc);
  if (!match) throw new Error(`not an mxc URI of a local media id: ${mxc}`);
  const id = match[1];
  return path.join(mediaStore, "local_content", id.slice(0, 2), id.slice(2, 4), id.slice(4));
}
