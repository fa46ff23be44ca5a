"""Root URL map. Each app owns its own urls.py with an app_name namespace."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kmslab import me, views

handler500 = "kmslab.views.server_error"  # a database outage is a 503 with Retry-After

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("simulation/", views.simulation, name="simulation"),
    path("me/", me.progress_page, name="me"),
    path("me/reset/scenarios/", me.reset_scenarios, name="me-reset-scenarios"),
    path("me/reset/quiz/", me.reset_quiz, name="me-reset-quiz"),
    path("lesson/", include("kmslab.lessons.urls")),
    path("scenarios/", include("scenarios.urls")),
    path("quiz/", include("kmslab.quiz.urls")),
    path("classroom/", include("kmslab.classroom.urls")),
    path("keep/", include("kmslab.keep.urls")),
    # Log in and out, and change your password. No e-mail password reset: a classroom server usually
    # has no mail relay (the README says to use `manage.py changepassword NAME`).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
]
