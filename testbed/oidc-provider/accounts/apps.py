from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from .models import ensure_profile

        post_save.connect(ensure_profile, sender=get_user_model(), dispatch_uid="accounts.ensure_profile")
