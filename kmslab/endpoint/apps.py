from django.apps import AppConfig


class EndpointConfig(AppConfig):
    name = "kmslab.endpoint"
    label = "endpoint"
    verbose_name = "AWS wire endpoint (real CLI and boto3)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kmslab.endpoint.claim import claim_on_login

        user_logged_in.connect(claim_on_login, dispatch_uid="endpoint-claim-labs-on-login")
