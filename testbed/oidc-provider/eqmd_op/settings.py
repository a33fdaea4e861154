"""Settings of the contract tests' OpenID provider.

Only what shapes the OIDC behaviour Synapse sees is taken from eqmd: the library and its
mount point, the proxy headers, `sub` from UserProfile.public_id, the userinfo function and the
extra `openid` scope claims. Everything else is the smallest Django setup that runs on loopback.

Environment:
  EQMD_OP_DATA_DIR        (required) directory for the SQLite database and the secret key.
  MATRIX_FQDN             default of `setup_synapse_oidc_client --matrix-fqdn` (as in eqmd).
  MATRIX_ADMIN_INTERNAL_URL, MATRIX_CLIENT_INTERNAL_URL, SYNAPSE_ADMIN_TOKEN,
  MATRIX_BOT_ACCESS_TOKEN, MATRIX_BOT_USER_ID, SYNAPSE_OIDC_PROVIDER_ID
                          read by the Matrix commands, as eqmd's MatrixConfig reads them.
  DATABASE_HOST           when set, Django's database is PostgreSQL, as eqmd's: DATABASE_NAME,
                          DATABASE_USER, DATABASE_PASSWORD, DATABASE_PORT (default 5432), the
                          keys of eqmd's .env. Unset: SQLite in EQMD_OP_DATA_DIR (contract tier).
  EQMD_OP_ALLOWED_HOSTS   extra host names or addresses to serve, comma-separated (the e2e
                          tier's container address, which is also the issuer's host).
  SECRET_KEY              the secret key, eqmd's name for it (a container that is recreated keeps
                          its sessions valid). Required with DATABASE_HOST (eqmd's container
                          shape), as eqmd refuses to start without it; else a key kept in
                          EQMD_OP_DATA_DIR (contract tier).
"""
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _data_dir() -> Path:
    value = os.environ.get("EQMD_OP_DATA_DIR", "")
    if not value:
        raise ImproperlyConfigured(
            "EQMD_OP_DATA_DIR is not set: point it at a writable directory for the provider's "
            "SQLite database (the contract tests use a private temporary directory)."
        )
    directory = Path(value).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _secret_key(data_dir: Path) -> str:
    """A per-data-dir key, kept so sessions survive a provider restart within one test run."""
    key_file = data_dir / "django_secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DATA_DIR = _data_dir()
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if os.environ.get("DATABASE_HOST"):
        # eqmd's settings raise ValueError here: its container does not start without the key.
        raise ImproperlyConfigured("SECRET_KEY is not set: eqmd's Django does not start without it (.env)")
    SECRET_KEY = _secret_key(DATA_DIR)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"] + [
    host.strip() for host in os.environ.get("EQMD_OP_ALLOWED_HOSTS", "").split(",") if host.strip()
]

# As in eqmd: the provider sits behind a TLS-terminating proxy. django-oidc-provider builds
# its issuer from the request (scheme://host + "/o"), so these two settings decide the issuer.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
    "accounts",
    "apps.matrix_integration",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "eqmd_op.urls"
WSGI_APPLICATION = "eqmd_op.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

if os.environ.get("DATABASE_HOST"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("DATABASE_NAME", "eqmd_db"),
            "USER": os.environ.get("DATABASE_USER", "eqmd_user"),
            "PASSWORD": os.environ.get("DATABASE_PASSWORD", ""),
            "HOST": os.environ["DATABASE_HOST"],
            "PORT": os.environ.get("DATABASE_PORT", "5432"),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "provider.sqlite3",
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/accounts/login/"

# django-oidc-provider (0.9.0). Read from the library: `OIDC_USERINFO` fills the standard
# claims (profile/email scopes) and is also what every ScopeClaims instance receives as
# `self.userinfo`; `OIDC_EXTRA_SCOPE_CLAIMS` is instantiated by the userinfo view (and by the
# id_token builder only when OIDC_IDTOKEN_INCLUDE_CLAIMS is on: off by default, not set here), and
# its `scope_<name>` methods add claims for each granted scope. The library has no
# `OIDC_AUTHORIZE_VIEW` setting, so eqmd's custom inactive-user view is not reproduced.
#
# eqmd leaves OIDC_USERINFO unset. Checked against 0.9.0: the userinfo answer is the same either
# way for eqmd's users, because StandardScopeClaims falls back to user.email, first_name,
# last_name and username, and `name`/`preferred_username` come from the `openid` claims below.
OIDC_USERINFO = "accounts.claims.userinfo"
OIDC_EXTRA_SCOPE_CLAIMS = "accounts.claims.EqmdScopeClaims"
OIDC_IDTOKEN_SUB_GENERATOR = "accounts.claims.sub_generator"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
