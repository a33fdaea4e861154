"""UserProfile: the fields of eqmd's profile that reach Synapse through OIDC."""
import uuid
from typing import Any, Optional

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

MATRIX_LOCALPART_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"

# eqmd's `eqmd_role` claim values; "unknown" is what the claim says when no role is set.
ROLE_CHOICES = [
    ("medical_doctor", "Medical doctor"),
    ("resident", "Resident"),
    ("nurse", "Nurse"),
    ("physiotherapist", "Physiotherapist"),
    ("student", "Student"),
]
UNKNOWN_ROLE = "unknown"


def normalize_localpart(value: Optional[str]) -> Optional[str]:
    """Lower-cases and trims a Matrix localpart; blank means "not set" (NULL, so unique holds)."""
    if value is None:
        return None
    value = value.strip().lower()
    return value or None


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # The OIDC `sub` (OIDC_IDTOKEN_SUB_GENERATOR) and the `external_id` eqmd provisions in Synapse.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=32, choices=ROLE_CHOICES, blank=True, default="")
    matrix_localpart = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        validators=[
            RegexValidator(
                MATRIX_LOCALPART_PATTERN,
                "A Matrix localpart is 1-64 characters of a-z, 0-9, '.', '_' or '-', "
                "starting with a letter or digit.",
            )
        ],
    )

    def clean_fields(self, exclude: Any = None) -> None:
        self.matrix_localpart = normalize_localpart(self.matrix_localpart)
        super().clean_fields(exclude=exclude)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.matrix_localpart = normalize_localpart(self.matrix_localpart)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.user} ({self.public_id})"


def ensure_profile(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Every user has a profile, as in eqmd, so `sub` always exists."""
    if created:
        UserProfile.objects.get_or_create(user=instance)
