# eqmd-matrix's `checkLocalparts` step, run by `manage.py shell -c` in eqmd's Django just before
# a hook that creates Matrix accounts (matrix_provision_rooms, matrix_sync_lifecycle).
#
# Those commands give every active user without `UserProfile.matrix_localpart` a fallback
# account `@u_<public_id>` (and a DM room) and only then print "Matrix localpart missing for
# <user>": a warning that fails the `up` comes after the account exists, and the fallback
# account then holds the user's external id. This step fails first, naming those users.
#
# "Active" as eqmd's commands count it: is_active, and no blocking account_status. A user
# without a profile counts as missing (eqmd would fall back for them too).
# Output: one summary line of counts on success; on failure the usernames (not secrets) and
# the fix on stderr, exit 1, and nothing was changed.
from django.contrib.auth import get_user_model as _get_user_model

_BLOCKED_STATUSES = {"inactive", "suspended", "departed", "expired"}
_NAMES_SHOWN = 20


def _is_active(user):
    return user.is_active and getattr(user, "account_status", "active") not in _BLOCKED_STATUSES


def _localpart(user):
    try:
        return user.profile.matrix_localpart
    except Exception:  # no profile row: eqmd falls back as for an empty localpart
        return None


def _check_localparts():
    users = [u for u in _get_user_model().objects.filter(is_active=True).order_by("pk") if _is_active(u)]
    missing = [u.get_username() for u in users if not _localpart(u)]
    if missing:
        shown = ", ".join(missing[:_NAMES_SHOWN])
        more = " and %d more" % (len(missing) - _NAMES_SHOWN) if len(missing) > _NAMES_SHOWN else ""
        raise SystemExit(
            "eqmd-matrix: checkLocalparts: %d of %d active eqmd user(s) have no Matrix localpart: %s%s. "
            "eqmd's provisioning would create a fallback @u_<uuid> account and DM room for each, so it "
            "did not run. Fix: set each user's Matrix localpart in Django's admin (the user's profile, "
            "field matrix_localpart), or deactivate the user; then run `pulumi up` again."
            % (len(missing), len(users), shown, more)
        )
    print("eqmd-matrix: checkLocalparts: %d active eqmd user(s), each with a Matrix localpart" % len(users))


_check_localparts()
