# eqmd-matrix's `clearStaleRooms` step, run by `manage.py shell -c` in eqmd's Django.
#
# eqmd keeps the Matrix room ids it created (MatrixGlobalRoom, MatrixDirectRoom, and the bot's
# MatrixBotConversationState) and reuses them forever. After a reset those rooms no longer
# exist, so matrix_provision_rooms "reuses" them, every invite fails with a warning, no new room
# is made, and the command still exits 0. This step forgets exactly the rows whose room Synapse
# does not have (admin API: 404), so provisioning creates fresh rooms. Rows of rooms that still
# exist are kept (an install adopted with its database, a rerun): running it twice is a no-op.
# Any other answer from Synapse stops the step before anything is deleted.
#
# Environment, as eqmd's MatrixConfig reads it: SYNAPSE_ADMIN_TOKEN (handed over by the
# program), MATRIX_ADMIN_INTERNAL_URL (eqmd's .env; default http://matrix-synapse:8008).
# Output: one summary line of counts. No room id, no token.
import json as _json
import os as _os
import urllib.error as _urlerror
import urllib.parse as _urlparse
import urllib.request as _urlrequest

from apps.matrix_integration import models as _rooms


def _room_known(base_url, token, room_id):
    """True/False from Synapse's admin room API; anything but 200 or 404 stops the step."""
    url = "%s/_synapse/admin/v1/rooms/%s" % (base_url.rstrip("/"), _urlparse.quote(room_id, safe=""))
    request = _urlrequest.Request(url, headers={"Authorization": "Bearer " + token})
    try:
        with _urlrequest.urlopen(request, timeout=15) as reply:
            return reply.status == 200
    except _urlerror.HTTPError as err:
        body = err.read().decode("utf-8", "replace")
        err.close()
        try:
            errcode = _json.loads(body).get("errcode", "")
        except ValueError:
            errcode = ""
        if err.code == 404 and errcode == "M_NOT_FOUND":
            return False
        raise SystemExit(
            "eqmd-matrix: clearStaleRooms: Synapse answered HTTP %d %s for a room lookup; nothing was deleted"
            % (err.code, errcode)
        )
    except OSError as err:
        raise SystemExit(
            "eqmd-matrix: clearStaleRooms: no answer from Synapse at %s (%s); nothing was deleted"
            " (check MATRIX_ADMIN_INTERNAL_URL in eqmd's .env)" % (base_url, err.__class__.__name__)
        )


def _clear_stale_rooms():
    token = _os.environ.get("SYNAPSE_ADMIN_TOKEN", "")
    if not token:
        raise SystemExit("eqmd-matrix: clearStaleRooms: SYNAPSE_ADMIN_TOKEN is not set; nothing was deleted")
    base_url = _os.environ.get("MATRIX_ADMIN_INTERNAL_URL") or "http://matrix-synapse:8008"
    # The bot's conversation state came later in eqmd (migration 0002): optional.
    tables = [
        ("global", _rooms.MatrixGlobalRoom),
        ("direct", _rooms.MatrixDirectRoom),
        ("bot state", getattr(_rooms, "MatrixBotConversationState", None)),
    ]
    known = {}
    stale = []
    for label, model in tables:
        if model is None:
            continue
        rows = list(model.objects.values_list("pk", "room_id"))
        for _pk, room_id in rows:
            if room_id not in known:
                known[room_id] = _room_known(base_url, token, room_id)
        stale.append((label, model, [pk for pk, room_id in rows if not known[room_id]], len(rows)))
    # Only after every lookup answered: delete.
    parts = []
    removed = kept = 0
    for label, model, pks, total in stale:
        if pks:
            model.objects.filter(pk__in=pks).delete()
        removed += len(pks)
        kept += total - len(pks)
        parts.append("%s %d" % (label, len(pks)))
    print(
        "eqmd-matrix: clearStaleRooms: removed %d stale room row(s) (%s); kept %d that Synapse has"
        % (removed, ", ".join(parts), kept)
    )


_clear_stale_rooms()
