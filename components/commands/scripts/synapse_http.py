"""JSON over HTTP for eqmd-matrix's scripts (Python 3.7+, standard library only).

Shared by admin_bootstrap.py and verify_synapse.py: each script travels as one source text
(on stdin), so pythonScripts.ts puts this file in front of each script's own source.
"""

import json
import urllib.error
import urllib.request


def http_opener(use_proxy_env):
    """Synapse is reached directly (http_proxy and friends ignored); the web may need the proxy."""
    return urllib.request.build_opener(*([] if use_proxy_env else [urllib.request.ProxyHandler({})]))


def parse_json(raw):
    """The JSON document in `raw`, or None when there is none."""
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        return None


def request_json(opener, method, url, timeout, token=None, body=None):
    """(status, parsed JSON or None); HTTP errors are answers, no answer raises an OSError-family error."""
    data = None
    headers = {"Accept": "application/json"}
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with opener.open(request, timeout=timeout) as reply:
            return reply.status, parse_json(reply.read())
    except urllib.error.HTTPError as err:
        try:
            return err.code, parse_json(err.read())
        finally:
            err.close()


def describe_reply(status, body):
    """"HTTP 403 M_FORBIDDEN 'reason'": the status and Matrix's errcode/error, never a token."""
    text = "HTTP %d" % status
    if isinstance(body, dict):
        if isinstance(body.get("errcode"), str):
            text += " " + body["errcode"]
        if isinstance(body.get("error"), str):
            text += " %r" % body["error"]
    return text


def describe_no_answer(err):
    """Why a request got no answer, in a few words."""
    reason = getattr(err, "reason", None)
    return str(reason if reason is not None else err) or type(err).__name__
