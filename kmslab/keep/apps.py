from django.apps import AppConfig


class KeepConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kmslab.keep"
    verbose_name = "Keeping learners' work"
