"""Root URL map. Each app owns its own urls.py with an app_name namespace."""

from django.contrib import admin
from django.urls import include, path

from kmslab import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("lesson/", include("kmslab.lessons.urls")),
    path("scenarios/", include("scenarios.urls")),
    path("quiz/", include("kmslab.quiz.urls")),
    path("classroom/", include("kmslab.classroom.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
