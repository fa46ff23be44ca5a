"""A URLconf for tests/test_urlmemo.py: the same name at another path."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("elsewhere/", lambda request: HttpResponse(), name="home")]
