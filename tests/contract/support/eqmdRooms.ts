/**
 * eqmd's room bookkeeping as the contract reads it: the rows the stand-in Django keeps
 * (MatrixGlobalRoom, MatrixDirectRoom) and what Synapse says about those rooms.
 */
import { markedLine } from "../../../components/commands/parse";
import type { ProviderHandle } from "./provider";

export interface RoomRows {
  /** MatrixGlobalRoom room ids, oldest first. */
  readonly global: string[];
  /** username → MatrixDirectRoom room id. */
  readonly direct: Record<string, string>;
}

const ROWS_CODE = [
  "import json",
  "from apps.matrix_integration.models import MatrixDirectRoom as D, MatrixGlobalRoom as G",
  "g = list(G.objects.order_by('pk').values_list('room_id', flat=True))",
  "d = {r.user.username: r.room_id for r in D.objects.select_related('user')}",
  "print('ROOMS=' + json.dumps({'global': g, 'direct': d}))",
].join("\n");

export async function roomRows(provider: ProviderHandle): Promise<RoomRows> {
  const result = await provider.manage(["shell", "-c", ROWS_CODE]);
  return JSON.parse(markedLine(result.stdout, "ROOMS")) as RoomRows;
}

const adminGet = (baseUrl: string, token: string, path: string) =>
  fetch(`${baseUrl}/_synapse/admin/v1/rooms/${path}`, { headers: { authorization: `Bearer ${token}` } });

/** Whether Synapse has the room (admin room details: 200, or 404 for a room it does not know). */
export async function synapseHasRoom(baseUrl: string, adminToken: string, roomId: string): Promise<boolean> {
  const response = await adminGet(baseUrl, adminToken, encodeURIComponent(roomId));
  await response.body?.cancel();
  if (response.status !== 200 && response.status !== 404) throw new Error(`room ${roomId}: HTTP ${response.status}`);
  return response.status === 200;
}

/** The membership of `userId` in the room ("invite", "join", …), from the room's state. */
export async function membershipOf(
  baseUrl: string,
  adminToken: string,
  roomId: string,
  userId: string,
): Promise<string | undefined> {
  const response = await adminGet(baseUrl, adminToken, `${encodeURIComponent(roomId)}/state`);
  const body = (await response.json()) as {
    state?: Array<{ type?: string; state_key?: string; content?: { membership?: string } }>;
  };
  if (response.status !== 200) throw new Error(`state of ${roomId}: HTTP ${response.status}`);
  return body.state?.find((e) => e.type === "m.room.member" && e.state_key === userId)?.content?.membership;
}
