"""Synapse admin bootstrap for eqmd-matrix: prints one JSON line with the admin's access token.

Runs with any Python 3.7+ and the standard library only: inside the Synapse container (through
the exec target) or on a host that reaches Synapse. Declared by the SynapseAdmin component as
`python3 -c <loader>`: the loader reads this source and the input below from stdin (secrets
too), so neither is in argv.

stdin (one JSON object):
    base_url          Synapse's client listener, e.g. "http://localhost:8008"
    shared_secret     Synapse's registration_shared_secret
    username          admin localpart, e.g. "admin"
    password          password the admin is registered with
    server_name       Synapse's server_name (the admin is @<username>:<server_name>)
    deadline_seconds  overall time budget; connection errors are retried until then

environment:
    PULUMI_COMMAND_STDOUT  what this script printed on the previous run (set by
                           @pulumi/command on updates), used to reuse a still-valid token

stdout: exactly one line, {"user_id": ..., "access_token": ..., "device_id": ...}.
stderr: progress, and on failure one line saying what went wrong and what to do (exit 1).
Secrets (shared secret, passwords, tokens) are never written to stderr.

How the token is obtained, in order:
 1. Reuse: the previous run's token, if Synapse still accepts it for the admin user and the
    user is still a server admin. Same output as last time.
 2. Register: shared-secret registration (nonce, HMAC-SHA1) of the admin with admin rights.
 3. Password login, only when Synapse offers m.login.password (eqmd disables it).
 4. Recovery, when the admin already exists and no token for it is at hand (for example after
    the Command was replaced): register a one-shot helper admin
    `<username>-bootstrap-<8 hex>`, make sure the real admin is a server admin, and use the
    admin "login as user" API to get a token for the real admin. That token is owned by the
    helper (Synapse deletes a deactivated user's tokens, puppet tokens included), so the helper
    is not deactivated: its own device is logged out and the account is demoted and locked,
    which leaves it unable to act while the admin token keeps working. Do not deactivate
    `*-bootstrap-*` users: that would revoke the admin token they issued.
"""

# http_opener, request_json, describe_reply, describe_no_answer: synapse_http.py, put in front.
import hashlib
import hmac
import http.client
import json
import os
import secrets
import socket
import sys
import time
import urllib.error
import urllib.parse

POLL_SECONDS = 1.0
# Nothing listening yet (Synapse still starting: the engine no longer waits for Docker's health
# probe before this step): a refused connection costs nothing, so try again soon.
CONNECT_POLL_SECONDS = 0.1
REQUEST_TIMEOUT_SECONDS = 10.0
RETRY_STATUSES = (502, 503, 504)
DEVICE_NAME = "eqmd-matrix admin bootstrap"


class BootstrapError(Exception):
    """A failure with a one-line, secret-free explanation."""


def registration_mac(shared_secret, nonce, username, password, admin):
    """Hex HMAC-SHA1 over nonce NUL username NUL password NUL admin|notadmin."""
    mac = hmac.new(shared_secret.encode("utf-8"), digestmod=hashlib.sha1)
    mac.update(nonce.encode("utf-8"))
    mac.update(b"\x00")
    mac.update(username.encode("utf-8"))
    mac.update(b"\x00")
    mac.update(password.encode("utf-8"))
    mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()


def log(message):
    sys.stderr.write("admin bootstrap: %s\n" % message)
    sys.stderr.flush()


class Response(object):
    def __init__(self, status, body):
        self.status = status
        self.body = body if isinstance(body, dict) else {}

    @property
    def errcode(self):
        value = self.body.get("errcode")
        return value if isinstance(value, str) else ""

    @property
    def error(self):
        value = self.body.get("error")
        return value if isinstance(value, str) else ""

    def describe(self):
        return describe_reply(self.status, self.body)


class Synapse(object):
    """JSON over HTTP to Synapse; retries connection errors and 502/503/504 until the deadline."""

    def __init__(self, base_url, deadline):
        self.base_url = base_url.rstrip("/")
        self.deadline = deadline
        self.opener = http_opener(use_proxy_env=False)

    def remaining(self):
        return self.deadline - time.monotonic()

    def call(self, method, path, token=None, body=None):
        last_problem = "no attempt made"
        while True:
            remaining = self.remaining()
            if remaining <= 0:
                raise BootstrapError(
                    "Synapse at %s did not answer %s %s before the deadline (last: %s): "
                    "check that Synapse is running and reachable from where this command runs"
                    % (self.base_url, method, path.split("?")[0], last_problem)
                )
            try:
                timeout = min(REQUEST_TIMEOUT_SECONDS, max(remaining, 0.5))
                response = Response(*request_json(self.opener, method, self.base_url + path, timeout, token, body))
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout, OSError) as err:
                last_problem = describe_no_answer(err)
                time.sleep(min(CONNECT_POLL_SECONDS, max(self.remaining(), 0)))
                continue
            else:
                if response.status in RETRY_STATUSES:
                    last_problem = response.describe()
                elif response.status == 429:
                    last_problem = response.describe()
                    wait_ms = response.body.get("retry_after_ms")
                    if isinstance(wait_ms, (int, float)) and wait_ms > 0:
                        time.sleep(min(wait_ms / 1000.0, max(self.remaining(), 0)))
                        continue
                else:
                    return response
            time.sleep(min(POLL_SECONDS, max(self.remaining(), 0)))


def quote_id(user_id):
    return urllib.parse.quote(user_id, safe="")


def read_input(stream):
    raw = stream.read()
    try:
        data = json.loads(raw)
    except ValueError:
        raise BootstrapError("stdin is not a JSON object (expected base_url, shared_secret, username, password, server_name, deadline_seconds)")
    if not isinstance(data, dict):
        raise BootstrapError("stdin is not a JSON object (expected base_url, shared_secret, username, password, server_name, deadline_seconds)")
    for key in ("base_url", "shared_secret", "username", "password", "server_name"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise BootstrapError("stdin JSON lacks a non-empty string '%s'" % key)
    deadline = data.get("deadline_seconds")
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or deadline <= 0:
        raise BootstrapError("stdin JSON lacks a positive number 'deadline_seconds'")
    return data


def previous_result(text):
    """The JSON object this script printed last time (last JSON line of PULUMI_COMMAND_STDOUT)."""
    for line in reversed((text or "").splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("access_token"), str) and value["access_token"]:
            return value
    return None


def is_admin_flag(value):
    return value is True or value == 1


def token_acts_as_admin(syn, token, user_id):
    """True when `token` authenticates as `user_id` and that user is a server admin."""
    who = syn.call("GET", "/_matrix/client/v3/account/whoami", token=token)
    if who.status != 200 or who.body.get("user_id") != user_id:
        return False
    user = syn.call("GET", "/_synapse/admin/v2/users/" + quote_id(user_id), token=token)
    return user.status == 200 and is_admin_flag(user.body.get("admin"))


def register(syn, shared_secret, username, password, admin):
    """Shared-secret registration. Returns the Response (200, or 400 M_USER_IN_USE); raises otherwise."""
    for _attempt in range(3):
        nonce_reply = syn.call("GET", "/_synapse/admin/v1/register")
        if nonce_reply.status != 200 or not isinstance(nonce_reply.body.get("nonce"), str):
            raise registration_failure(nonce_reply)
        nonce = nonce_reply.body["nonce"]
        body = {
            "nonce": nonce,
            "username": username,
            "password": password,
            "admin": bool(admin),
            "mac": registration_mac(shared_secret, nonce, username, password, admin),
        }
        reply = syn.call("POST", "/_synapse/admin/v1/register", body=body)
        if reply.status == 200 or reply.errcode == "M_USER_IN_USE":
            return reply
        if reply.status == 400 and "nonce" in reply.error.lower():
            continue  # expired or consumed by a retried request: get a fresh one
        raise registration_failure(reply)
    raise BootstrapError("Synapse kept rejecting the registration nonce (%s); is more than one Synapse process behind base_url?" % reply.describe())


def registration_failure(reply):
    if reply.status == 400 and "not enabled" in reply.error.lower():
        return BootstrapError(
            "Synapse refused shared-secret registration (%s): it has no registration_shared_secret "
            "configured (check the secrets config file Synapse loads, then restart it)" % reply.describe()
        )
    if reply.status == 403 and "hmac" in reply.error.lower():
        return BootstrapError(
            "Synapse rejected the registration MAC (%s): the shared secret given to this command is not "
            "the registration_shared_secret Synapse is running with (restart Synapse after the secret "
            "changes, and make sure both come from the same Pulumi secret)" % reply.describe()
        )
    if reply.status == 404:
        return BootstrapError(
            "Synapse does not serve /_synapse/admin/v1/register at this base_url (%s): point base_url at "
            "Synapse's client listener (and not at a proxy that hides /_synapse/admin)" % reply.describe()
        )
    return BootstrapError("shared-secret registration failed: %s" % reply.describe())


def result_from(body, fallback_user_id):
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise BootstrapError("Synapse answered without an access_token")
    user_id = body.get("user_id") if isinstance(body.get("user_id"), str) else fallback_user_id
    device_id = body.get("device_id") if isinstance(body.get("device_id"), str) else ""
    return {"user_id": user_id, "access_token": token, "device_id": device_id}


def password_login(syn, username, password, user_id):
    flows = syn.call("GET", "/_matrix/client/v3/login")
    offered = [f.get("type") for f in flows.body.get("flows", []) if isinstance(f, dict)]
    if flows.status != 200 or "m.login.password" not in offered:
        return None
    reply = syn.call(
        "POST",
        "/_matrix/client/v3/login",
        body={
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": username},
            "password": password,
            "initial_device_display_name": DEVICE_NAME,
        },
    )
    if reply.status != 200:
        log("password login for %s failed (%s)" % (user_id, reply.describe()))
        return None
    result = result_from(reply.body, user_id)
    if result["user_id"] != user_id or not token_acts_as_admin(syn, result["access_token"], user_id):
        log("password login for %s gave a token without admin rights" % user_id)
        return None
    return result


def recover(syn, inp, username, user_id):
    helper_local = "%s-bootstrap-%s" % (username, secrets.token_hex(4))
    helper_password = secrets.token_urlsafe(32)
    reply = register(syn, inp["shared_secret"], helper_local, helper_password, True)
    if reply.status != 200:
        raise BootstrapError("could not register the helper admin %s (%s)" % (helper_local, reply.describe()))
    helper = result_from(reply.body, "@%s:%s" % (helper_local, inp["server_name"]))
    helper_token = helper["access_token"]
    log("registered helper admin %s" % helper["user_id"])

    account = syn.call("GET", "/_synapse/admin/v2/users/" + quote_id(user_id), token=helper_token)
    if account.status != 200:
        raise BootstrapError("registration says %s exists but the admin API cannot read it (%s)" % (user_id, account.describe()))
    if account.body.get("deactivated"):
        raise BootstrapError(
            "%s exists but is deactivated, so it cannot be the admin: choose another admin.username "
            "(a deactivated user id can never be registered again)" % user_id
        )
    if not is_admin_flag(account.body.get("admin")):
        promoted = syn.call("PUT", "/_synapse/admin/v2/users/" + quote_id(user_id), token=helper_token, body={"admin": True})
        if promoted.status not in (200, 201):
            raise BootstrapError("could not make %s a server admin (%s)" % (user_id, promoted.describe()))
        log("%s was not a server admin; promoted it" % user_id)

    login = syn.call("POST", "/_synapse/admin/v1/users/%s/login" % quote_id(user_id), token=helper_token, body={})
    if login.status != 200:
        raise BootstrapError("the admin login-as-user API refused to issue a token for %s (%s)" % (user_id, login.describe()))
    result = result_from({"access_token": login.body.get("access_token"), "user_id": user_id}, user_id)
    if not token_acts_as_admin(syn, result["access_token"], user_id):
        raise BootstrapError("the token issued for %s is not accepted as a server admin token" % user_id)

    # Retire the helper without deactivating it (that would revoke the token it just issued).
    logout = syn.call("POST", "/_matrix/client/v3/logout", token=helper_token, body={})
    if logout.status != 200:
        log("could not log out the helper's own device (%s)" % logout.describe())
    retired = syn.call(
        "PUT",
        "/_synapse/admin/v2/users/" + quote_id(helper["user_id"]),
        token=result["access_token"],
        body={"admin": False, "locked": True},
    )
    if retired.status not in (200, 201):
        log("could not demote and lock %s (%s); do it by hand, but do not deactivate it" % (helper["user_id"], retired.describe()))
    else:
        log("demoted and locked %s; it owns the admin token, so do not deactivate it" % helper["user_id"])
    return result


def bootstrap(inp, previous_stdout):
    username = inp["username"].lower()
    user_id = "@%s:%s" % (username, inp["server_name"])
    syn = Synapse(inp["base_url"], time.monotonic() + float(inp["deadline_seconds"]))

    previous = previous_result(previous_stdout)
    if previous is not None:
        if previous.get("user_id") == user_id and token_acts_as_admin(syn, previous["access_token"], user_id):
            log("the previous token for %s is still valid and admin; reusing it" % user_id)
            return result_from(previous, user_id)
        log("the previous token is not usable for %s any more" % user_id)

    reply = register(syn, inp["shared_secret"], username, inp["password"], True)
    if reply.status == 200:
        log("registered %s as a server admin" % user_id)
        return result_from(reply.body, user_id)

    log("%s already exists and no usable token for it is at hand" % user_id)
    result = password_login(syn, username, inp["password"], user_id)
    if result is not None:
        log("logged in as %s with its password" % user_id)
        return result
    result = recover(syn, inp, username, user_id)
    log("obtained a new admin token for %s through a helper admin" % user_id)
    return result


def main():
    try:
        inp = read_input(sys.stdin)
        result = bootstrap(inp, os.environ.get("PULUMI_COMMAND_STDOUT", ""))
    except BootstrapError as err:
        sys.stderr.write("admin bootstrap failed: %s\n" % err)
        return 1
    except Exception as err:  # noqa: BLE001 - report anything else as one line, without a traceback
        sys.stderr.write("admin bootstrap failed: unexpected %s: %s\n" % (type(err).__name__, err))
        return 1
    sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
