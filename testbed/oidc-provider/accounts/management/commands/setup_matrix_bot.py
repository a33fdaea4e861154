"""`manage.py setup_matrix_bot`: eqmd's command, same flags, Synapse calls and output.

Makes sure the bot user exists in Synapse (admin API PUT, as eqmd's "Ensure user"), then asks
the admin "login as user" API for a fresh access token and prints it for the operator (or a
program) to put in `.env`. Every run issues a new token.

Environment (as in eqmd's settings):
  SYNAPSE_ADMIN_TOKEN        (required) a Synapse server admin's access token.
  MATRIX_ADMIN_INTERNAL_URL  Synapse's client listener (default http://matrix-synapse:8008).
  MATRIX_BOT_USER_ID         default of --user-id; else @rzero_bot:$MATRIX_FQDN.
  MATRIX_FQDN                Synapse's server name (default matrix.yourhospital.com).
  MATRIX_BOT_DISPLAY_NAME    default of --display-name (default RZero).

Output, in order: `✓ Matrix bot user ready`, `User: <id>`, `Set this in your .env:`,
`MATRIX_BOT_ACCESS_TOKEN=<token>`. The token is printed nowhere else.
"""
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Optional, Tuple

from django.core.management.base import BaseCommand, CommandError, CommandParser

TIMEOUT_SECONDS = 15


def _default_user_id() -> str:
    fqdn = os.environ.get("MATRIX_FQDN") or "matrix.yourhospital.com"
    return os.environ.get("MATRIX_BOT_USER_ID") or f"@rzero_bot:{fqdn}"


class SynapseAdminError(CommandError):
    pass


def _call(base_url: str, token: str, method: str, path: str, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
    """One JSON request with `Authorization: Bearer` (urllib, 15 s timeout, as eqmd does)."""
    request = urllib.request.Request(
        base_url.rstrip("/") + path,
        data=json.dumps(body).encode("utf-8"),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:
            return reply.status, _json(reply.read())
    except urllib.error.HTTPError as err:
        try:
            return err.code, _json(err.read())
        finally:
            err.close()
    except OSError as err:
        raise SynapseAdminError(f"{method} {path}: no answer from {base_url} ({err})") from err


def _json(raw: bytes) -> Dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8")) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _problem(status: int, body: Dict[str, Any]) -> str:
    return f"HTTP {status} {body.get('errcode', '')} {body.get('error', '')}".strip()


class Command(BaseCommand):
    help = "Create (or update) the Matrix bot user and print a new access token for it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user-id", default=_default_user_id(), help="Bot MXID (default: $MATRIX_BOT_USER_ID)")
        parser.add_argument(
            "--display-name",
            default=os.environ.get("MATRIX_BOT_DISPLAY_NAME") or "RZero",
            help="Bot display name (default: $MATRIX_BOT_DISPLAY_NAME, then RZero)",
        )
        parser.add_argument("--admin", action="store_true", help="Make the bot a Synapse server admin")

    def handle(self, *args: Any, **options: Any) -> None:
        token = os.environ.get("SYNAPSE_ADMIN_TOKEN", "")
        if not token:
            raise CommandError("SYNAPSE_ADMIN_TOKEN is not set: it is needed to call Synapse's admin API")
        base_url = os.environ.get("MATRIX_ADMIN_INTERNAL_URL") or "http://matrix-synapse:8008"
        user_id: str = options["user_id"]
        quoted = urllib.parse.quote(user_id, safe="")

        self._ensure_user(base_url, token, quoted, user_id, options["display_name"], options["admin"])
        access_token = self._login_as(base_url, token, quoted, user_id)

        self.stdout.write(self.style.SUCCESS("✓ Matrix bot user ready"))
        self.stdout.write(f"User: {user_id}")
        self.stdout.write("Set this in your .env:")
        self.stdout.write(f"MATRIX_BOT_ACCESS_TOKEN={access_token}")

    def _ensure_user(
        self, base_url: str, token: str, quoted: str, user_id: str, display_name: str, admin: bool
    ) -> None:
        body: Dict[str, Any] = {
            "admin": admin,
            "deactivated": False,
            "password": secrets.token_urlsafe(32),
            "displayname": display_name,
        }
        path = f"/_synapse/admin/v2/users/{quoted}"
        status, reply = _call(base_url, token, "PUT", path, body)
        if status == 403 and "Password change disabled" in str(reply.get("error", "")):
            # Synapse with password login off refuses to change an existing user's password.
            body.pop("password")
            status, reply = _call(base_url, token, "PUT", path, body)
        if status not in (200, 201):
            raise SynapseAdminError(f"could not create or update {user_id}: {_problem(status, reply)}")

    def _login_as(self, base_url: str, token: str, quoted: str, user_id: str) -> str:
        reply: Dict[str, Any] = {}
        status = 0
        for version in ("v1", "v2"):
            status, reply = _call(base_url, token, "POST", f"/_synapse/admin/{version}/users/{quoted}/login", {})
            if status != 404:
                break
        access_token: Optional[str] = reply.get("access_token") if status == 200 else None
        if not isinstance(access_token, str) or not access_token:
            raise SynapseAdminError(f"could not get an access token for {user_id}: {_problem(status, reply)}")
        return access_token
