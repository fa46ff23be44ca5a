from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scenarios"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from scenarios.signals import claim_on_login

        user_logged_in.connect(claim_on_login, dispatch_uid="scenarios-claim-on-login")
