from django.urls import path

from scenarios import views

app_name = "scenarios"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/simulate/", views.simulate, name="simulate"),
    path("<slug:slug>/statement/", views.statement, name="statement"),
    path("<slug:slug>/format/", views.format_documents, name="format"),
    path("<slug:slug>/reset/", views.reset, name="reset"),
    path("<slug:slug>/hint/", views.hint, name="hint"),
    path("<slug:slug>/solution/", views.solution, name="solution"),
    path("<slug:slug>/fix/", views.fix, name="fix"),
]
