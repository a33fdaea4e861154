from django.apps import AppConfig


class MatrixIntegrationConfig(AppConfig):
    name = "apps.matrix_integration"
    label = "matrix_integration"
    default_auto_field = "django.db.models.BigAutoField"
