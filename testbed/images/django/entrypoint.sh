#!/bin/sh
# Entrypoint of the eqmd Django stand-in (tests/e2e): as eqmd's prod service, migrate the
# database first (Django's own tables, django-oidc-provider's, the test accounts app), then
# run the server. `docker exec … python manage.py …` never goes through here.
set -eu
python3 manage.py migrate --noinput -v 0
exec "$@"
