from django.apps import AppConfig


class QuizConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kmslab.quiz"
    verbose_name = "Quiz"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kmslab.quiz.claim import claim_on_login

        user_logged_in.connect(claim_on_login, dispatch_uid="quiz-claim-on-login")
