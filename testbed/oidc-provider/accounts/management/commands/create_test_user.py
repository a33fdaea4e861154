"""`manage.py create_test_user`: an eqmd user for the contract tests, printed as PUBLIC_ID=<uuid>.

Creates the user, or updates it when the username exists (password, flags, profile), so a
rerun is harmless. The public id never changes once created: it is the OIDC `sub`.
"""
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import ROLE_CHOICES, UserProfile, normalize_localpart


class Command(BaseCommand):
    help = "Create (or update) a user of the test provider and print its OIDC subject."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--matrix-localpart",
            default=None,
            help="UserProfile.matrix_localpart (lower-cased); omitted: not set",
        )
        parser.add_argument("--inactive", action="store_true", help="is_active = False")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--role", default="", choices=[""] + [value for value, _label in ROLE_CHOICES]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        with transaction.atomic():
            user, _created = user_model.objects.get_or_create(username=options["username"])
            user.set_password(options["password"])
            user.is_active = not options["inactive"]
            user.email = options["email"]
            user.first_name = options["first_name"]
            user.last_name = options["last_name"]
            user.save()

            profile, _created = UserProfile.objects.get_or_create(user=user)
            profile.matrix_localpart = normalize_localpart(options["matrix_localpart"])
            profile.role = options["role"]
            try:
                profile.full_clean()
            except ValidationError as error:
                raise CommandError(f"invalid profile for {user.username}: {error}") from error
            profile.save()

        self.stdout.write(f"PUBLIC_ID={profile.public_id}")
