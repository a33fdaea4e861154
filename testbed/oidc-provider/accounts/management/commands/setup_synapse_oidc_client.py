"""`manage.py setup_synapse_oidc_client`: eqmd's command, same arguments, effect and output.

Creates (or updates) the django-oidc-provider Client Synapse logs in with, and prints the
client secret as `SYNAPSE_OIDC_CLIENT_SECRET=<secret>` for the operator (or a program) to take.

The printed SYNAPSE_OIDC_PROVIDER_ID is $SYNAPSE_OIDC_PROVIDER_ID, default "equipemed" (eqmd's
.env.example value); it only labels the printed lines, the Client does not store it.

As eqmd's (apps/botauth, commit 96bee67), on purpose:
- The redirect URI is https://<fqdn>/_synapse/client/oidc/callback. A test host without TLS
  adds its http:// URI to the client itself, as an operator would in Django's admin (the
  contract tier does). One switch is kept for the e2e tier, whose first `up` starts from an
  empty Django: MATRIX_CALLBACK_SCHEME=http (listed in tests/e2e/prodDifferences.ts).
- The stored URIs are split on whitespace, the missing one appended, and the list stored joined
  by SPACES. django-oidc-provider splits `_redirect_uris` on new lines, so after a second FQDN
  the row is one URI that matches neither host ("Redirect URI Error"): the program's OIDC step
  repairs it (components/commands/scripts/oidc_redirect_uris.py).
"""
import os
import secrets
from typing import Any, List

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from oidc_provider.models import Client, ResponseType

CALLBACK_PATH = "/_synapse/client/oidc/callback"
SCOPES = ["openid", "profile", "email"]


class Command(BaseCommand):
    help = "Create or update the OIDC client Matrix Synapse uses to log users in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--client-id",
            default="matrix_synapse_client",
            help="OIDC client id (default: matrix_synapse_client)",
        )
        parser.add_argument(
            "--matrix-fqdn",
            default=os.environ.get("MATRIX_FQDN") or "matrix.yourhospital.com",
            help="Matrix host name (default: $MATRIX_FQDN, then matrix.yourhospital.com)",
        )
        parser.add_argument(
            "--force-new-secret",
            action="store_true",
            help="Generate a new client secret even if the client exists",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client_id: str = options["client_id"]
        fqdn: str = options["matrix_fqdn"]
        scheme = os.environ.get("MATRIX_CALLBACK_SCHEME") or "https"
        redirect_uri = f"{scheme}://{fqdn}{CALLBACK_PATH}"
        provider_id = os.environ.get("SYNAPSE_OIDC_PROVIDER_ID") or "equipemed"
        out = self.stdout

        out.write("Setting up OIDC client for Matrix Synapse...")
        out.write(f"Client ID: {client_id}")
        out.write(f"Matrix FQDN: {fqdn}")
        out.write(f"Redirect URI: {redirect_uri}")

        with transaction.atomic():
            client, created = Client.objects.get_or_create(
                client_id=client_id,
                defaults={
                    "name": "Matrix Synapse OIDC",
                    "client_type": "confidential",
                    "jwt_alg": "RS256",
                    "require_consent": False,
                    "reuse_consent": True,
                },
            )
            if created:
                out.write(self.style.SUCCESS(f"✓ Created new OIDC client '{client_id}'"))
            else:
                out.write(self.style.SUCCESS(f"✓ Found existing OIDC client '{client_id}'"))

            if created or options["force_new_secret"]:
                client.client_secret = secrets.token_urlsafe(32)
                out.write("  - Client secret: generated new")
            else:
                out.write("  - Client secret: using existing")

            client.jwt_alg = "RS256"

            uris: List[str] = (client._redirect_uris or "").split()
            if redirect_uri in uris:
                out.write("  - Redirect URI: redirect URI already configured")
            else:
                client._redirect_uris = " ".join(uris + [redirect_uri])  # eqmd's join (see above)
                out.write("  - Redirect URI: added new redirect URI")

            client.scope = SCOPES
            client.save()
            client.response_types.add(ResponseType.objects.get(value="code"))
            out.write(f"  - Allowed scopes: {' '.join(SCOPES)}")

        secret = client.client_secret
        out.write("")
        out.write("Synapse Configuration:")
        out.write("oidc_providers:")
        out.write(f'  - idp_id: "{provider_id}"')
        out.write('    idp_name: "EquipeMed"')
        out.write("    discover: true")
        out.write('    issuer: "https://<eqmd domain>/o"')
        out.write(f'    client_id: "{client_id}"')
        out.write(f'    client_secret: "{secret}"')
        out.write(f"    scopes: [{', '.join(SCOPES)}]")
        out.write("")
        out.write("Environment Variables:")
        out.write("Add to your .env file:")
        out.write(f"SYNAPSE_OIDC_CLIENT_SECRET={secret}")
        out.write(f"SYNAPSE_OIDC_PROVIDER_ID={provider_id}")
        out.write("")
        out.write(self.style.SUCCESS("✓ Synapse OIDC client setup complete!"))
