"""The instructor's drill-down shows a learner's real-CLI calls, never their secrets."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from kmslab.endpoint import credentials
from kmslab.endpoint.models import ApiCall
from scenarios.models import Scenario
from tests.classroom.conftest import client_for, join, make_classroom, make_user
from tests.endpoint.test_wire import KEY_ARN, kms

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
    assert "Apply fix" not in html  # the instructor reads the calls; only the learner changes their documents


def test_drilldown_cli_calls_are_only_for_the_classs_instructor() -> None:
    call_command("loadscenarios", stdout=io.StringIO())
    s = Scenario.objects.get(slug="s3-cross-account-upload")
    teacher, other = make_user("teacher", instructor=True), make_user("other", instructor=True)
    c = make_classroom(teacher, [s])
    m = join(c, "Ada", key="anon:ada-session")
    lab = credentials.lab_for(m.learner_key, s)
    bob = next(p for p in credentials.profiles(lab, s.spec()) if p.principal == "bob")
    from botocore.credentials import Credentials

    kms("GenerateDataKey", json.dumps({"KeyId": KEY_ARN, "KeySpec": "AES_256"}).encode(), Credentials(bob.access_key_id, bob.secret))
    url = f"/classroom/{c.pk}/learners/{m.pk}/"
    assert "kms:GenerateDataKey" in client_for(teacher).get(url).content.decode()
    for stranger, status in ((client_for(other), 404), (client_for(make_user("learner")), 403)):
        resp = stranger.get(url)
        assert resp.status_code == status and b"GenerateDataKey" not in resp.content
    anonymous = Client().get(url)
    assert anonymous.status_code in (302, 403, 404) and b"GenerateDataKey" not in anonymous.content
