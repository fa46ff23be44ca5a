from django.urls import path

from kmslab.endpoint import views

app_name = "endpoint"

urlpatterns = [
    path("aws", views.endpoint, name="aws"),
    path("aws/", views.endpoint, name="aws-slash"),
    path("aws/<path:rest>", views.endpoint, name="aws-path"),
    path("scenarios/<slug:slug>/aws-config", views.aws_config, name="config"),
    path("scenarios/<slug:slug>/aws-reset/", views.aws_reset, name="reset"),
    path("scenarios/<slug:slug>/aws-calls/", views.aws_calls, name="calls"),
    path("scenarios/<slug:slug>/aws-calls/<int:call_id>/fix/", views.aws_fix, name="fix"),
]
