"""The instructor's drill-down shows a learner's real-CLI calls, never their secrets."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from kmslab.endpoint import credentials
from kmslab.endpoint.models import ApiCall
from scenarios.models import Scenario
from tests.classroom.conftest import client_for, join, make_classroom, make_user
from tests.endpoint.test_wire import kms

pytestmark = pytest.mark.django_db


def test_drilldown_lists_the_learners_cli_calls_without_secrets() -> None:
    call_command("loadscenarios", stdout=io.StringIO())
    s = Scenario.objects.get(slug="s3-cross-account-upload")
    teacher = make_user("teacher", instructor=True)
    c = make_classroom(teacher, [s])
    m = join(c, "Ada", key="anon:ada-session")
    lab = credentials.lab_for(m.learner_key, s)
    bob = next(p for p in credentials.profiles(lab, s.spec()) if p.principal == "bob")
    from botocore.credentials import Credentials

    resp = kms("DescribeKey", json.dumps({"KeyId": "alias/reports"}).encode(), Credentials(bob.access_key_id, bob.secret))
    assert resp.status_code == 400 and ApiCall.objects.count() == 1
    html = client_for(teacher).get(f"/classroom/{c.pk}/learners/{m.pk}/").content.decode()
    assert "Real AWS CLI calls" in html and "kms:DescribeKey" in html and "NotFoundException" in html
    assert bob.secret not in html and bob.access_key_id not in html
