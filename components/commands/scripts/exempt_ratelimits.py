"""Exempts Synapse users from rate limiting, for eqmd-matrix (Python 3.7+, standard library only).

Synapse's default rc_message (0.2/s, burst 10) applies to every user, the admin and eqmd's bot
included: a bot posting into many rooms meets HTTP 429 after ten messages. The admin API's
override_ratelimit (messages_per_second 0, burst_count 0: no limit) lifts that per user.

Declared by the RateLimitExemption component as `python3 -c <loader>` (this source and the
input below arrive on stdin, see pythonScripts.ts); runs through synapse.exec.

stdin (one JSON object):
    base_url          Synapse's client listener, e.g. "http://localhost:8008"
    admin_token       the admin's access token (server admin: it calls the admin API)
    tokens            access tokens of the users to exempt (the admin's, the bot's); each
                      user is found with whoami, so no user id has to be configured
    deadline_seconds  overall time budget (connection errors are retried until then)

Idempotent: a user already exempt is left as it is. Each override is read back afterwards,
so success means Synapse holds it. stdout: one JSON line {"exempt": [user ids]}; on failure
exit 1 with one line on stderr saying what and what to do. No token is ever printed.
"""

# http_opener, request_json, describe_reply, describe_no_answer: synapse_http.py, put in front.
import json
import sys
import time
import urllib.parse

POLL_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 10.0
NO_LIMIT = {"messages_per_second": 0, "burst_count": 0}


class ExemptionError(Exception):
    """A failure with a one-line, secret-free explanation."""


class Synapse(object):
    def __init__(self, base_url, deadline):
        self.base_url = base_url.rstrip("/")
        self.deadline = deadline
        self.opener = http_opener(use_proxy_env=False)

    def call(self, method, path, token, body=None):
        last = "no attempt made"
        while time.monotonic() < self.deadline:
            timeout = max(0.5, min(REQUEST_TIMEOUT_SECONDS, self.deadline - time.monotonic()))
            try:
                status, reply = request_json(self.opener, method, self.base_url + path, timeout, token, body)
            except OSError as err:
                last = describe_no_answer(err)
            else:
                if status not in (502, 503, 504):
                    return status, reply
                last = describe_reply(status, reply)
            time.sleep(POLL_SECONDS)
        raise ExemptionError(
            "Synapse at %s did not answer %s %s before the deadline (last: %s)" % (self.base_url, method, path, last)
        )


def whoami(synapse, token):
    status, reply = synapse.call("GET", "/_matrix/client/v3/account/whoami", token)
    if status != 200 or not isinstance(reply, dict) or not isinstance(reply.get("user_id"), str):
        raise ExemptionError(
            "a token to exempt is not accepted by Synapse (whoami answered %s): rerun the step that issued it"
            % describe_reply(status, reply)
        )
    return reply["user_id"]


def override_path(user_id):
    return "/_synapse/admin/v1/users/%s/override_ratelimit" % urllib.parse.quote(user_id, safe="")


def current_override(synapse, admin_token, user_id):
    status, reply = synapse.call("GET", override_path(user_id), admin_token)
    if status != 200 or not isinstance(reply, dict):
        raise ExemptionError(
            "reading %s's rate-limit override answered %s: the admin token must belong to a server admin"
            % (user_id, describe_reply(status, reply))
        )
    return {key: reply.get(key) for key in NO_LIMIT}


def exempt(synapse, admin_token, user_id):
    if current_override(synapse, admin_token, user_id) == NO_LIMIT:
        return "already exempt"
    status, reply = synapse.call("POST", override_path(user_id), admin_token, NO_LIMIT)
    if status != 200:
        raise ExemptionError("setting %s's rate-limit override answered %s" % (user_id, describe_reply(status, reply)))
    if current_override(synapse, admin_token, user_id) != NO_LIMIT:
        raise ExemptionError("Synapse accepted %s's rate-limit override but does not report it back" % user_id)
    return "exempted"


def read_input(stream):
    try:
        data = json.loads(stream.read())
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ExemptionError("stdin is not a JSON object")
    for key in ("base_url", "admin_token"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ExemptionError("stdin JSON lacks a non-empty string '%s'" % key)
    tokens = data.get("tokens")
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        raise ExemptionError("stdin JSON 'tokens' must be a list of non-empty strings")
    deadline = data.get("deadline_seconds")
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or deadline <= 0:
        raise ExemptionError("stdin JSON lacks a positive number 'deadline_seconds'")
    return data


def main():
    try:
        inp = read_input(sys.stdin)
        synapse = Synapse(inp["base_url"], time.monotonic() + float(inp["deadline_seconds"]))
        done = []
        for token in inp["tokens"]:
            user_id = whoami(synapse, token)
            if user_id in done:
                continue
            sys.stderr.write("rate limits: %s %s\n" % (user_id, exempt(synapse, inp["admin_token"], user_id)))
            done.append(user_id)
    except ExemptionError as err:
        sys.stderr.write("rate-limit exemption failed: %s\n" % err)
        return 1
    sys.stdout.write(json.dumps({"exempt": done}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
