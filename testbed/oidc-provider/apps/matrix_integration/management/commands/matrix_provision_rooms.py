"""`manage.py matrix_provision_rooms`: eqmd's command, same flags, Synapse calls, rows and output.

For the contract tests, written to behave as eqmd's does (apps/matrix_integration in eqmd):
  - the global room: the first MatrixGlobalRoom row is reused as it is ("Global room exists:
    <id>"), whether or not Synapse still has it; only without a row the bot creates one;
  - for every active user: the admin PUT (a fallback @u_<public_id> when there is no localpart,
    with the warning "Matrix localpart missing for <user>. Using fallback <id>"), then the DM
    room: a MatrixDirectRoom row is reused and its invite error swallowed, else the bot
    creates one ("DM room skipped for <id>: <error>" when that fails), then the invite to the
    global room ("Invite skipped for <id>: <error>" when it fails);
  - it exits 0 whatever was skipped.

Environment (eqmd's MatrixConfig): SYNAPSE_ADMIN_TOKEN and MATRIX_BOT_ACCESS_TOKEN (required),
MATRIX_FQDN (default matrix.local), MATRIX_ADMIN_INTERNAL_URL / MATRIX_CLIENT_INTERNAL_URL
(default http://matrix-synapse:8008), SYNAPSE_OIDC_PROVIDER_ID (default equipemed),
MATRIX_GLOBAL_ROOM_NAME (default "Equipe - Todos").
"""
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Optional

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.matrix_integration.models import MatrixDirectRoom, MatrixGlobalRoom

DEFAULT_URL = "http://matrix-synapse:8008"


class MatrixApiError(RuntimeError):
    pass


def _request(base_url: str, token: str, method: str, path: str, payload: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """One JSON call with `Authorization: Bearer`; an HTTP error is `<method> <url> failed: <code> <body>`."""
    url = base_url.rstrip("/") + path
    data = json.dumps(payload).encode("utf-8") if payload is not None else None
    headers = {"Authorization": f"Bearer {token}"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as reply:
            body = reply.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        try:
            raise MatrixApiError(f"{method} {url} failed: {err.code} {err.read().decode('utf-8')}") from err
        finally:
            err.close()
    return json.loads(body) if body else {}


class Command(BaseCommand):
    help = "Provision Matrix rooms for active users (DM + global room)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--global-room-name", default=None)
        parser.add_argument("--skip-global", action="store_true")
        parser.add_argument("--skip-dm", action="store_true")
        parser.add_argument("--include-inactive", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        self.fqdn = os.environ.get("MATRIX_FQDN", "matrix.local")
        self.admin_url = os.environ.get("MATRIX_ADMIN_INTERNAL_URL", DEFAULT_URL)
        self.client_url = os.environ.get("MATRIX_CLIENT_INTERNAL_URL", DEFAULT_URL)
        self.admin_token = os.environ.get("SYNAPSE_ADMIN_TOKEN", "")
        self.bot_token = os.environ.get("MATRIX_BOT_ACCESS_TOKEN", "")
        self.provider_id = os.environ.get("SYNAPSE_OIDC_PROVIDER_ID", "equipemed")
        if not self.admin_token:
            raise CommandError("SYNAPSE_ADMIN_TOKEN is required")
        if not self.bot_token:
            raise CommandError("MATRIX_BOT_ACCESS_TOKEN is required")

        global_room = None if options["skip_global"] else self._ensure_global_room(options)
        users = list(get_user_model().objects.all() if options["include_inactive"] else get_user_model().objects.filter(is_active=True))
        self.stdout.write(f"{'All' if options['include_inactive'] else 'Active'} users: {len(users)}")
        for user in users:
            localpart = getattr(getattr(user, "profile", None), "matrix_localpart", None)
            user_id = self._user_id(user, localpart)
            if not localpart:
                self.stdout.write(self.style.WARNING(f"Matrix localpart missing for {user}. Using fallback {user_id}"))
            self._ensure_user(user, user_id)
            if not options["skip_dm"]:
                try:
                    self._ensure_direct_room(user, user_id)
                except MatrixApiError as exc:
                    self.stdout.write(self.style.WARNING(f"DM room skipped for {user_id}: {exc}"))
            if global_room:
                self._invite_to_global(global_room, user_id)
        self.stdout.write(self.style.SUCCESS("✓ Matrix provisioning complete"))

    def _user_id(self, user: Any, localpart: Optional[str]) -> str:
        public_id = getattr(getattr(user, "profile", None), "public_id", None)
        return f"@{localpart or (f'u_{public_id}' if public_id else f'u_{user.pk}')}:{self.fqdn}"

    def _ensure_user(self, user: Any, user_id: str) -> None:
        body: Dict[str, Any] = {"admin": False, "deactivated": False, "password": secrets.token_urlsafe(32)}
        name = user.get_full_name().strip() or user.email or user.username
        body["displayname"] = name
        external: List[Dict[str, str]] = []
        public_id = getattr(getattr(user, "profile", None), "public_id", None)
        if public_id:
            provider = self.provider_id if self.provider_id.startswith("oidc-") else f"oidc-{self.provider_id}"
            external = [{"auth_provider": provider, "external_id": str(public_id)}]
            body["external_ids"] = external
        path = f"/_synapse/admin/v2/users/{urllib.parse.quote(user_id, safe='')}"
        try:
            _request(self.admin_url, self.admin_token, "PUT", path, body)
        except MatrixApiError as exc:
            if "Password change disabled" not in str(exc):
                raise
            body.pop("password")
            _request(self.admin_url, self.admin_token, "PUT", path, body)

    def _ensure_global_room(self, options: Dict[str, Any]) -> MatrixGlobalRoom:
        room = MatrixGlobalRoom.objects.first()
        if room:
            self.stdout.write(f"Global room exists: {room.room_id}")
            return room
        name = options["global_room_name"] or os.environ.get("MATRIX_GLOBAL_ROOM_NAME", "Equipe - Todos")
        reply = _request(self.client_url, self.bot_token, "POST", "/_matrix/client/v3/createRoom", {"name": name, "preset": "private_chat"})
        room_id = reply.get("room_id")
        if not room_id:
            raise CommandError("Failed to create global room")
        self.stdout.write(f"Created global room: {room_id}")
        return MatrixGlobalRoom.objects.create(room_id=room_id, name=name)

    def _ensure_direct_room(self, user: Any, user_id: str) -> None:
        room = MatrixDirectRoom.objects.filter(user=user).first()
        if room:
            # eqmd re-invites into the stored room and ignores any error (so a stale id is silent).
            try:
                self._invite(room.room_id, user_id)
            except MatrixApiError:
                pass
            return
        reply = _request(
            self.client_url,
            self.bot_token,
            "POST",
            "/_matrix/client/v3/createRoom",
            {"invite": [user_id], "is_direct": True, "preset": "private_chat"},
        )
        room_id = reply.get("room_id")
        if not room_id:
            raise MatrixApiError(f"Failed to create DM room for {user_id}")
        MatrixDirectRoom.objects.create(user=user, room_id=room_id)

    def _invite(self, room_id: str, user_id: str) -> None:
        path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id, safe='')}/invite"
        _request(self.client_url, self.bot_token, "POST", path, {"user_id": user_id})

    def _invite_to_global(self, room: MatrixGlobalRoom, user_id: str) -> None:
        try:
            self._invite(room.room_id, user_id)
            self.stdout.write(f"Invited {user_id} to global room")
        except MatrixApiError as exc:
            self.stdout.write(self.style.WARNING(f"Invite skipped for {user_id}: {exc}"))
