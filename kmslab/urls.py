"""Root URL map. Each app owns its own urls.py with an app_name namespace."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kmslab import views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("kmslab.endpoint.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("lesson/", include("kmslab.lessons.urls")),
    path("scenarios/", include("scenarios.urls")),
    path("quiz/", include("kmslab.quiz.urls")),
    path("classroom/", include("kmslab.classroom.urls")),
    # Log in and out, and change your password. No e-mail password reset: a classroom server usually
    # has no mail relay (the README says to use `manage.py changepassword NAME`).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
]
