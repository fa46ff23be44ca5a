from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kmslab.classroom"
    verbose_name = "Classroom"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kmslab.classroom.claim import claim_on_login

        user_logged_in.connect(claim_on_login, dispatch_uid="classroom-claim-memberships")
