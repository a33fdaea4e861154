"""Post-deploy check of Synapse's worker routing for eqmd-matrix (Python 3.7+, standard library only).

Declared by the Verification component when synapse.workers is set, as `python3 -c <loader>`
(this source and the input below arrive on stdin, see pythonScripts.ts); runs through the same
exec target as verify_synapse.py.

stdin (one JSON object):
    router_url        the router as seen where the script runs, e.g. "http://eqmd_matrix_router:8008"
    header            the response header naming the process that served a request
    admin_token       an access token for the authenticated requests
    checks            [{"kind": "sync", "path": "/_matrix/client/v3/sync?timeout=0",
                        "expect": "_sync[0-9]+$"}, ...]: each path must answer 200 and carry a
                      header value matching `expect` (a regular expression)
    deadline_seconds  overall time budget

Polls every check until all pass or the deadline is reached. Success: one JSON line on stdout
(kinds and the processes that answered; no secrets). Failure: exit 1, one line per failed check
on stderr saying what was seen.
"""

# http_opener, describe_no_answer: synapse_http.py, put in front.
import json
import re
import sys
import time
import urllib.error
import urllib.request

POLL_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 10.0


def served_by(opener, url, header, token, timeout):
    """(status, header value or None) of a GET with the token."""
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token}, method="GET")
    try:
        with opener.open(request, timeout=timeout) as reply:
            reply.read()
            return reply.status, reply.headers.get(header)
    except urllib.error.HTTPError as err:
        try:
            return err.code, err.headers.get(header)
        finally:
            err.close()


def check(opener, inp, item, timeout):
    url = inp["router_url"].rstrip("/") + item["path"]
    try:
        status, worker = served_by(opener, url, inp["header"], inp["admin_token"], timeout)
    except OSError as err:
        return None, "%s: no answer from %s (%s)" % (item["kind"], item["path"], describe_no_answer(err))
    if status != 200:
        return None, "%s: GET %s answered HTTP %d (served by %s)" % (item["kind"], item["path"], status, worker)
    if worker is None or not re.search(item["expect"], worker):
        return None, "%s: GET %s was served by %r, not a process matching %r: check the router's nginx.conf" % (
            item["kind"], item["path"], worker, item["expect"])
    return worker, None


def main():
    inp = json.loads(sys.stdin.read())
    opener = http_opener(False)
    deadline = time.monotonic() + float(inp["deadline_seconds"])
    pending = list(inp["checks"])
    served = {}
    failures = {}
    while True:
        still = []
        for item in pending:
            timeout = max(0.5, min(REQUEST_TIMEOUT_SECONDS, deadline - time.monotonic()))
            worker, problem = check(opener, inp, item, timeout)
            if problem is None:
                served[item["kind"]] = worker
                failures.pop(item["kind"], None)
            else:
                failures[item["kind"]] = problem
                still.append(item)
        pending = still
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    if failures:
        for problem in failures.values():
            print("verify_workers: " + problem, file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"ok": True, "served_by": served}, sort_keys=True))


if __name__ == "__main__":
    main()
