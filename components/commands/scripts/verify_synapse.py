"""Post-deploy verification of Synapse for eqmd-matrix (Python 3.7+, standard library only).

Declared by the Verification component as `python3 -c <loader>` (this source and the input
below arrive on stdin, see pythonScripts.ts); runs through an exec target
or on a host that reaches both Synapse and the OpenID provider.

stdin (one JSON object):
    base_url          Synapse's client listener, e.g. "http://localhost:8008"
    idp_id            identity provider id Synapse must offer, e.g. "oidc-equipemed"; null = OIDC off
    issuer            OpenID issuer, e.g. "https://yourhospital.com/o"; null = skip the JWKS check
    admin_token       admin access token; null = skip the admin check
    admin_user_id     the admin's user id, e.g. "@admin:matrix.yourhospital.com"
    deadline_seconds  overall time budget

Polls every check (short interval, no other sleeps) until all pass or the deadline is reached:
    health  GET /health answers 200
    login   GET /_matrix/client/v3/login offers m.login.sso with identity provider idp_id
    jwks    <issuer>/.well-known/openid-configuration names this issuer and a jwks_uri whose
            key set holds at least one RSA key
    admin   GET /_synapse/admin/v2/users/<admin_user_id> with the token answers 200, admin true

Success: one JSON line on stdout (no secrets). Failure: exit 1, one line per failed check on
stderr saying what was seen and what to do.
"""

# http_opener, request_json, describe_reply, describe_no_answer: synapse_http.py, put in front.
import json
import sys
import time
import urllib.parse

POLL_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 5.0


class InputError(Exception):
    pass


class Http(object):
    """GET returning (status, parsed JSON or None); raises OSError-family errors on no answer."""

    def __init__(self, use_proxy_env):
        self.opener = http_opener(use_proxy_env)

    def get_json(self, url, timeout, token=None):
        return request_json(self.opener, "GET", url, timeout, token=token)


def unreachable(what, url, err):
    return "%s: no answer from %s (%s)" % (what, url, describe_no_answer(err))


class Verifier(object):
    def __init__(self, inp, deadline):
        self.base_url = inp["base_url"].rstrip("/")
        self.idp_id = inp.get("idp_id")
        self.issuer = inp.get("issuer")
        self.admin_token = inp.get("admin_token")
        self.admin_user_id = inp.get("admin_user_id")
        self.deadline = deadline
        self.synapse = Http(use_proxy_env=False)
        self.web = Http(use_proxy_env=True)
        self.rsa_keys = None

    def timeout(self):
        return max(0.5, min(REQUEST_TIMEOUT_SECONDS, self.deadline - time.monotonic()))

    def checks(self):
        checks = [("health", self.check_health)]
        if self.idp_id:
            checks.append(("login", self.check_login))
        if self.issuer:
            checks.append(("jwks", self.check_jwks))
        if self.admin_token:
            checks.append(("admin", self.check_admin))
        return checks

    def check_health(self):
        url = self.base_url + "/health"
        try:
            status, _ = self.synapse.get_json(url, self.timeout())
        except OSError as err:
            return unreachable("Synapse is not answering", url, err) + ": check that it is running and healthy"
        if status != 200:
            return "GET %s answered HTTP %d instead of 200" % (url, status)
        return None

    def check_login(self):
        url = self.base_url + "/_matrix/client/v3/login"
        try:
            status, body = self.synapse.get_json(url, self.timeout())
        except OSError as err:
            return unreachable("login flows unknown", url, err)
        if status != 200 or not isinstance(body, dict):
            return "GET %s answered %s" % (url, describe_reply(status, body))
        flows = [f for f in body.get("flows", []) if isinstance(f, dict)]
        offered = []
        for flow in flows:
            kind = flow.get("type")
            if kind == "m.login.sso":
                ids = [p.get("id") for p in flow.get("identity_providers", []) if isinstance(p, dict)]
                if self.idp_id in ids:
                    return None
                offered.append("m.login.sso (providers %s)" % ids)
            else:
                offered.append(str(kind))
        return (
            "login flows offer %s but not %s: Synapse did not load the OIDC provider; check the issuer "
            "and client secret, and Synapse's log for 'Error while initialising OIDC provider'"
            % ("[" + ", ".join(offered) + "]", self.idp_id)
        )

    def check_jwks(self):
        discovery_url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            status, body = self.web.get_json(discovery_url, self.timeout())
        except OSError as err:
            return unreachable("OpenID discovery failed", discovery_url, err) + ": is the Django OpenID provider up and reachable?"
        if status != 200 or not isinstance(body, dict):
            return "OpenID discovery at %s answered %s, not a JSON document" % (discovery_url, describe_reply(status, body))
        found_issuer = body.get("issuer")
        if found_issuer != self.issuer:
            return (
                "OpenID discovery at %s names issuer %r, but Synapse is configured with %r: they must be "
                "equal (django-oidc-provider builds it from the request's scheme and host; check the proxy's "
                "X-Forwarded-Proto/Host and oidc.issuer)" % (discovery_url, found_issuer, self.issuer)
            )
        jwks_uri = body.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            return "OpenID discovery at %s has no jwks_uri" % discovery_url
        try:
            status, jwks = self.web.get_json(jwks_uri, self.timeout())
        except OSError as err:
            return unreachable("JWKS not readable", jwks_uri, err)
        if status != 200 or not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            return "JWKS at %s answered %s, not a key set" % (jwks_uri, describe_reply(status, jwks))
        kinds = [k.get("kty") for k in jwks["keys"] if isinstance(k, dict)]
        rsa = kinds.count("RSA")
        if rsa == 0:
            return (
                "JWKS at %s holds no RSA key (%d keys, kty %s): run Django's 'manage.py creatersakey', "
                "then restart Synapse" % (jwks_uri, len(kinds), kinds)
            )
        self.rsa_keys = rsa
        return None

    def check_admin(self):
        url = "%s/_synapse/admin/v2/users/%s" % (self.base_url, urllib.parse.quote(self.admin_user_id or "", safe=""))
        try:
            status, body = self.synapse.get_json(url, self.timeout(), token=self.admin_token)
        except OSError as err:
            return unreachable("admin API not answering", url, err)
        if status != 200 or not isinstance(body, dict):
            return (
                "the admin token is not accepted by the admin API (GET %s answered %s): rerun the "
                "admin bootstrap (replace the SynapseAdmin command)" % (url, describe_reply(status, body))
            )
        if not (body.get("admin") is True or body.get("admin") == 1):
            return "%s is not a server admin (admin API reports admin=%r)" % (self.admin_user_id, body.get("admin"))
        return None


def read_input(stream):
    try:
        data = json.loads(stream.read())
    except ValueError:
        raise InputError("stdin is not a JSON object")
    if not isinstance(data, dict):
        raise InputError("stdin is not a JSON object")
    if not isinstance(data.get("base_url"), str) or not data["base_url"]:
        raise InputError("stdin JSON lacks a non-empty string 'base_url'")
    for key in ("idp_id", "issuer", "admin_token", "admin_user_id"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise InputError("stdin JSON '%s' must be a string or null" % key)
    if data.get("admin_token") and not data.get("admin_user_id"):
        raise InputError("stdin JSON has an admin_token but no admin_user_id")
    deadline = data.get("deadline_seconds")
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or deadline <= 0:
        raise InputError("stdin JSON lacks a positive number 'deadline_seconds'")
    return data


def verify(inp):
    started = time.monotonic()
    verifier = Verifier(inp, started + float(inp["deadline_seconds"]))
    pending = verifier.checks()
    failures = {}
    while True:
        still = []
        for name, check in pending:
            problem = check()
            if problem is None:
                failures.pop(name, None)
            else:
                failures[name] = problem
                still.append((name, check))
        pending = still
        remaining = verifier.deadline - time.monotonic()
        if not pending or remaining <= 0:
            break
        time.sleep(min(POLL_SECONDS, remaining))
    elapsed = time.monotonic() - started
    if pending:
        for name, _ in pending:
            sys.stderr.write("verification failed (%s): %s\n" % (name, failures[name]))
        sys.stderr.write("verification gave up after %.0f s (deadline_seconds %s)\n" % (elapsed, inp["deadline_seconds"]))
        return 1
    summary = {
        "ok": True,
        "base_url": verifier.base_url,
        "checks": [name for name, _ in verifier.checks()],
        "idp_id": verifier.idp_id,
        "issuer": verifier.issuer,
        "rsa_keys": verifier.rsa_keys,
        "admin_user_id": verifier.admin_user_id if verifier.admin_token else None,
    }
    sys.stderr.write("verification passed after %.1f s\n" % elapsed)
    sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")
    return 0


def main():
    try:
        return verify(read_input(sys.stdin))
    except InputError as err:
        sys.stderr.write("verification failed: %s\n" % err)
        return 1
    except Exception as err:  # noqa: BLE001 - one line, no traceback
        sys.stderr.write("verification failed: unexpected %s: %s\n" % (type(err).__name__, err))
        return 1


if __name__ == "__main__":
    sys.exit(main())
