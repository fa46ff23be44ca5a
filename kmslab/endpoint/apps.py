from django.apps import AppConfig


class EndpointConfig(AppConfig):
    name = "kmslab.endpoint"
    label = "endpoint"
    verbose_name = "AWS wire endpoint (real CLI and boto3)"
    default_auto_field = "django.db.models.BigAutoField"
