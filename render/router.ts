/**
 * The router's nginx.conf (synapse.workers): it takes Synapse's port and sends each endpoint to
 * the worker Synapse's docs/workers.md names for it, everything else to the main process, so
 * eqmd's nginx (and Django, through the alias `matrix-synapse`) still talk to one address.
 *
 * Workers are found by their alias (config/workers.ts processHost) through Docker's resolver at request time, not once at
 * start: a worker Docker restarts may come back on another address. Each answer carries the
 * header `X-Eqmd-Worker` naming the process the router chose (the verification checks it), and
 * the access log names it too (without the query string, which may hold an access token).
 */
import type { Settings } from "../config/settings";
import { processHost, WorkerKind, workerContainerName } from "../config/workers";

/** The kinds the router sends requests to, and the endpoints of each (docs/workers.md). */
export const ROUTES: Readonly<Record<"sync" | "client" | "media", readonly string[]>> = {
  // Sync requests: one user's requests go to one worker (its caches), keyed by the token's user.
  sync: [
    "^/_matrix/client/(r0|v3)/sync$",
    "^/_matrix/client/(api/v1|r0|v3)/events$",
    "^/_matrix/client/(api/v1|r0|v3)/initialSync$",
    "^/_matrix/client/(api/v1|r0|v3)/rooms/[^/]+/initialSync$",
  ],
  // Client API, encryption, login and event sending: any generic worker (docs/workers.md). The
  // SSO endpoints stay on the main process ("all SSO logins go to a single process"), and so
  // do the endpoints of streams only the main process writes (typing, to-device, account data,
  // receipts, presence, push rules).
  client: [
    "^/_matrix/client/(api/v1|r0|v3|unstable)/createRoom$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/publicRooms$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/joined_members$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/context/.*$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/members$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/state$",
    "^/_matrix/client/v1/rooms/.*/hierarchy$",
    "^/_matrix/client/(v1|unstable)/rooms/.*/relations/",
    "^/_matrix/client/v1/rooms/.*/threads$",
    "^/_matrix/client/(r0|v3|unstable)/account/3pid$",
    "^/_matrix/client/(r0|v3|unstable)/account/whoami$",
    "^/_matrix/client/(r0|v3|unstable)/account/deactivate$",
    "^/_matrix/client/(r0|v3)/delete_devices$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/devices(/|$)",
    "^/_matrix/client/versions$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/voip/turnServer$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/event/",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/joined_rooms$",
    "^/_matrix/client/v1/rooms/.*/timestamp_to_event$",
    "^/_matrix/client/(api/v1|r0|v3|unstable/.*)/rooms/.*/aliases",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/search$",
    "^/_matrix/client/(r0|v3|unstable)/user/.*/filter(/|$)",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/directory/room/.*$",
    "^/_matrix/client/(r0|v3|unstable)/capabilities$",
    "^/_matrix/client/(r0|v3|unstable)/notifications$",
    "^/_matrix/client/(r0|v3|unstable)/keys/query$",
    "^/_matrix/client/(r0|v3|unstable)/keys/changes$",
    "^/_matrix/client/(r0|v3|unstable)/keys/claim$",
    "^/_matrix/client/(r0|v3|unstable)/room_keys/",
    "^/_matrix/client/(r0|v3|unstable)/keys/upload",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/keys/device_signing/upload$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/keys/signatures/upload$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/login$",
    "^/_matrix/client/(r0|v3|unstable)/register$",
    "^/_matrix/client/(r0|v3|unstable)/register/available$",
    "^/_matrix/client/(r0|v3|unstable)/password_policy$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/redact",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/send",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/state/",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/(join|invite|leave|ban|unban|kick)$",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/join/",
    "^/_matrix/client/(api/v1|r0|v3|unstable)/profile/",
    "^/_matrix/client/(r0|v3|unstable)/user_directory/search$",
    // Pagination: all requests of one room to one worker (keyed by the path, which holds the room).
    "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/messages$",
  ],
  // The media repository and its admin APIs.
  media: [
    "^/_matrix/media/",
    "^/_matrix/client/v1/media/",
    "^/_synapse/media/",
    "^/_synapse/admin/v1/purge_media_cache$",
    "^/_synapse/admin/v1/room/.*/media.*$",
    "^/_synapse/admin/v1/user/.*/media.*$",
    "^/_synapse/admin/v1/media/.*$",
    "^/_synapse/admin/v1/quarantine_media/.*$",
    "^/_synapse/admin/v1/users/.*/media$",
  ],
};

/** The router's own health endpoint (its healthcheck; never proxied). */
export const ROUTER_HEALTH_PATH = "/_eqmd_router/health";

/** The response header naming the process that served a request. */
export const WORKER_HEADER = "X-Eqmd-Worker";

/** What each kind's choice among its workers is keyed by: a user's syncs stay together. */
const KEY_OF: Readonly<Record<keyof typeof ROUTES, string>> = {
  sync: "$eqmd_user",
  client: "$eqmd_client_key",
  media: "$request_id",
};

/** `split_clients` over the workers of one kind: equal shares, the last takes the rest. */
function splitClients(kind: keyof typeof ROUTES, names: readonly string[]): string[] {
  const share = Math.floor(10000 / names.length) / 100;
  const lines = names.map((n, i) => (i === names.length - 1 ? `    *      ${n};` : `    ${share}% ${n};`));
  return [`split_clients "${KEY_OF[kind]}" $eqmd_${kind} {`, ...lines, "}"];
}

/** nginx.conf of the router container (read-only root; temporary files on the /tmp tmpfs). */
export function renderRouterConf(s: Settings): string {
  const w = s.synapse.workers;
  if (!w) throw new Error("renderRouterConf: synapse.workers is not set");
  const port = s.synapse.listenPort;
  const main = processHost(s.names.synapseContainer);
  const byKind = (kind: WorkerKind) =>
    w.list
      .filter((x) => x.kind === kind)
      .map((x) => processHost(workerContainerName(s.names.synapseContainer, x.name)));
  const routed = (Object.keys(ROUTES) as (keyof typeof ROUTES)[]).filter((k) => byKind(k).length > 0);

  const locations = routed.flatMap((kind) =>
    ROUTES[kind].map((re) => [
      `        location ~ ${re} {`,
      `            set $eqmd_worker $eqmd_${kind};`,
      `            proxy_pass http://$eqmd_worker:${port};`,
      "        }",
    ]),
  );
  return [
    "# The worker router's nginx.conf, generated by eqmd-matrix (Pulumi). Do not edit.",
    "worker_processes auto;",
    "pid /tmp/nginx.pid;",
    "error_log stderr warn;",
    "daemon off;",
    "events { worker_connections 4096; }",
    "http {",
    "    client_body_temp_path /tmp/client_body;",
    "    proxy_temp_path /tmp/proxy;",
    "    fastcgi_temp_path /tmp/fastcgi;",
    "    uwsgi_temp_path /tmp/uwsgi;",
    "    scgi_temp_path /tmp/scgi;",
    "    server_tokens off;",
    "    # Docker's resolver: a worker's address is looked up when a request needs it.",
    "    resolver 127.0.0.11 valid=2s ipv6=off;",
    "    resolver_timeout 5s;",
    "    log_format eqmd '$remote_addr \"$request_method $uri\" $status $eqmd_worker $request_time';",
    "    access_log /dev/stdout eqmd;",
    "    # Bodies go straight to Synapse, which enforces max_upload_size itself.",
    "    client_max_body_size 0;",
    "    proxy_request_buffering off;",
    "    proxy_http_version 1.1;",
    "    proxy_read_timeout 120s;",
    "    # The user of an access token (syt_<localpart>_…), else the whole token (docs/workers.md).",
    "    map $http_authorization $eqmd_user {",
    "        default $http_authorization$arg_access_token;",
    '        "~^Bearer syt_(?<localpart>.*?)_" $localpart;',
    "    }",
    "    # What eqmd's nginx says the client used; direct (dev), the router's own scheme.",
    "    map $http_x_forwarded_proto $eqmd_proto {",
    '        "" $scheme;',
    "        default $http_x_forwarded_proto;",
    "    }",
    "    # Pagination of one room stays on one worker; anything else is spread per request.",
    "    map $uri $eqmd_client_key {",
    "        default $request_id;",
    '        "~/rooms/(?<room>[^/]+)/messages$" $room;',
    "    }",
    ...routed.flatMap((kind) => splitClients(kind, byKind(kind)).map((l) => `    ${l}`)),
    "    server {",
    `        listen ${port};`,
    "        set $eqmd_worker main;",
    `        add_header ${WORKER_HEADER} $eqmd_worker always;`,
    "        proxy_set_header Host $host;",
    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "        proxy_set_header X-Forwarded-Proto $eqmd_proto;",
    `        location = ${ROUTER_HEALTH_PATH} {`,
    "            access_log off;",
    "            set $eqmd_worker router;",
    "            return 200 'ok';",
    "        }",
    ...locations.flat(),
    "        location / {",
    `            set $eqmd_main ${main};`,
    `            proxy_pass http://$eqmd_main:${port};`,
    "        }",
    "    }",
    "}",
    "",
  ].join("\n");
}
