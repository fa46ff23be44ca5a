from django.urls import path

from kmslab.keep import views

app_name = "keep"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:token>/", views.recover, name="recover"),
]
