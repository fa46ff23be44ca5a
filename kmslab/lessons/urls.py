from django.urls import path

from kmslab.lessons import views

app_name = "lessons"

urlpatterns = [
    path("", views.index, name="index"),
    path("reset/", views.reset_progress, name="reset"),
    path("all/", views.whole, name="whole"),
    path("<slug:slug>/", views.section, name="section"),
]
