from django.apps import AppConfig


class LessonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kmslab.lessons"
    label = "lessons"
    verbose_name = "Lesson"
