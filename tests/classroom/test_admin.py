"""Admin registration: staff can list and open classes and memberships."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kmslab.classroom.models import Classroom
from tests.classroom.conftest import join

pytestmark = pytest.mark.django_db


def test_admin_lists_and_opens_classes_and_memberships(classroom: Classroom) -> None:
    admin = User.objects.create_superuser("root", password=None)
    m = join(classroom, "<script>x</script>")
    client = Client()
    client.force_login(admin)
    for url in ("/admin/classroom/classroom/", f"/admin/classroom/classroom/{classroom.pk}/change/",
                "/admin/classroom/membership/", f"/admin/classroom/membership/{m.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<script>x</script>" not in response.content
