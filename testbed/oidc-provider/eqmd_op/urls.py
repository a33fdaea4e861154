"""eqmd mounts django-oidc-provider at `o/`; the login page is Django's own view."""
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def health(_request: HttpRequest) -> HttpResponse:
    """eqmd's `/health/` probe path (its compose healthcheck); the stand-in answers 200 "ok"."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("health/", health, name="health"),
    path("o/", include("oidc_provider.urls", namespace="oidc_provider")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
