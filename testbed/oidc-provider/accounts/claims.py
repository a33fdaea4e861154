"""The claims eqmd's provider sends, wired the way django-oidc-provider 0.9.0 reads them."""
from typing import Any, Dict

from django.utils.translation import gettext_lazy as _
from oidc_provider.lib.claims import ScopeClaims

from .models import UNKNOWN_ROLE, UserProfile


def _profile(user: Any) -> UserProfile:
    profile, _created = UserProfile.objects.get_or_create(user=user)
    return profile


def full_name(user: Any) -> str:
    """Full name, falling back to email, then username."""
    return user.get_full_name().strip() or user.email or user.username


def preferred_username(user: Any) -> str:
    return user.email or user.username


def sub_generator(user: Any) -> str:
    """OIDC_IDTOKEN_SUB_GENERATOR: `sub` is UserProfile.public_id."""
    return str(_profile(user).public_id)


def userinfo(claims: Dict[str, Any], user: Any) -> Dict[str, Any]:
    """OIDC_USERINFO: fills the standard claims used by the `profile` and `email` scopes."""
    claims["name"] = full_name(user)
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["preferred_username"] = preferred_username(user)
    claims["email"] = user.email
    return claims


class EqmdScopeClaims(ScopeClaims):
    """OIDC_EXTRA_SCOPE_CLAIMS: eqmd's claims, all under the `openid` scope.

    The library drops claims whose value is None or "" (ScopeClaims._clean_dic); `matrix_localpart`
    is left out explicitly when it is not set, as eqmd does. `eqmd_active` False is kept.
    """

    info_openid = (
        _("EquipeMed account"),
        _("Your name, role, account status and Matrix user name."),
    )

    def scope_openid(self) -> Dict[str, Any]:
        profile = _profile(self.user)
        claims: Dict[str, Any] = {
            "name": full_name(self.user),
            "preferred_username": preferred_username(self.user),
            "eqmd_active": bool(self.user.is_active),
            "eqmd_role": profile.role or UNKNOWN_ROLE,
        }
        if profile.matrix_localpart:
            claims["matrix_localpart"] = profile.matrix_localpart
        return claims
