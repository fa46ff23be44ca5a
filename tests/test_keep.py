"""Nothing ages out: an active session is refreshed, the UI says how long anonymous work is kept,
a personal recovery link brings a learner's work to another browser (only its digest is stored),
and `manage.py backup` / `restore` round-trip everything, sessions included. Runs on SQLite and,
in `make test`, on PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kmslab.classroom.models import Classroom, Membership
from kmslab.keep.models import RecoveryLink
from scenarios.loader import load_scenarios
from scenarios.models import Attempt, Progress, Scenario

S3 = "s3-cross-account-upload"


def _simulate(client: Client, text: str) -> None:
    page = client.get(f"/scenarios/{S3}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    spec = Scenario.objects.get(slug=S3).spec()
    data = spec.starting_documents() | {spec.editable[0].name: text, "csrfmiddlewaretoken": token}
    assert client.post(f"/scenarios/{S3}/simulate/", data).status_code == 200


@pytest.fixture
def loaded(db: None) -> None:
    load_scenarios()


def test_an_active_session_is_refreshed_once_a_day(loaded: None) -> None:
    client = Client()
    _simulate(client, '{"mine": 1}')
    session = Session.objects.get()
    Session.objects.update(expire_date=timezone.now() + timedelta(days=2))  # as if it began 28 days ago
    session_data = client.session
    session_data["_kmslab_refreshed"] = "2000-01-01"  # last refreshed on an earlier day
    session_data.save()
    client.get(f"/scenarios/{S3}/")
    refreshed = Session.objects.get(pk=session.pk).expire_date
    assert refreshed > timezone.now() + timedelta(days=29)
    assert client.cookies["sessionid"]["max-age"] == 30 * 86400


def test_no_session_is_created_for_a_page_that_needs_none(db: None) -> None:
    Client().get("/")
    Client().get("/healthz")
    assert Session.objects.count() == 0


def test_the_footer_says_how_long_anonymous_work_is_kept(loaded: None) -> None:
    html = Client().get("/").content.decode()
    assert "your work is kept in this browser for 30 days after your last visit" in html
    keep = Client().get("/keep/").content.decode()
    assert "30 days after your last visit" in keep


def test_a_recovery_link_brings_the_work_to_another_browser(loaded: None) -> None:
    first = Client(enforce_csrf_checks=True)
    _simulate(first, '{"mine": "from the first browser"}')
    page = first.get("/keep/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    made = first.post("/keep/", {"csrfmiddlewaretoken": token}).content.decode()
    link = re.search(r'id="recovery-link"[^>]*>([^<]+)<', made).group(1)  # type: ignore[union-attr]
    secret = link.rstrip("/").rsplit("/", 1)[1]
    row = RecoveryLink.objects.get()
    assert secret not in row.token_digest and len(row.token_digest) == 64  # only a digest is stored

    second = Client(enforce_csrf_checks=True)
    confirm = second.get(f"/keep/{secret}/")
    assert confirm.status_code == 200 and Session.objects.count() == 1  # a GET changes nothing
    token2 = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirm.content.decode()).group(1)  # type: ignore[union-attr]
    assert second.post(f"/keep/{secret}/", {"csrfmiddlewaretoken": token2}).status_code == 302
    assert "from the first browser" in second.get(f"/scenarios/{S3}/").content.decode()
    _simulate(second, '{"mine": "from the second browser"}')
    assert Progress.objects.count() == 1  # the same learner, one row

    assert Client().get("/keep/not-a-real-token/").status_code == 404
    first.post("/keep/", {"csrfmiddlewaretoken": token})  # a new link replaces the old one
    assert Client().get(f"/keep/{secret}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_everything(tmp_path: Path) -> None:
    load_scenarios()
    call_command("loadquestions", verbosity=0)
    teacher = User.objects.create_user("mrs-k", password="a-long-and-right-password")
    classroom = Classroom.objects.create(name="Period 3", owner=teacher)
    learner = Client()
    _simulate(learner, '{"kept": "through a restore"}')
    key = Progress.objects.get().learner_key
    Membership.objects.create(classroom=classroom, learner_key=key, display_name="Ada")
    RecoveryLink.issue(key)
    from django.apps import apps

    before = {m._meta.label: m.objects.count() for m in apps.get_models()}
    backup = tmp_path / "backup.json.gz"
    call_command("backup", str(backup))
    assert backup.stat().st_size > 0

    Progress.objects.all().delete()
    Attempt.objects.all().delete()
    Session.objects.all().delete()
    User.objects.create_user("made-after-the-backup")
    call_command("restore", str(backup), "--yes")

    after = {m._meta.label: m.objects.count() for m in apps.get_models()}
    assert after == before
    page = learner.get(f"/scenarios/{S3}/").content.decode()  # the same browser, the same cookie
    assert "through a restore" in page
    assert Membership.objects.get().learner_key == key
    assert not User.objects.filter(username="made-after-the-backup").exists()


def test_restore_of_a_bad_file_changes_nothing(loaded: None, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"model": "scenarios.progress", "pk": 1, "fields": {"scenario": 999999}}]')
    count = Scenario.objects.count()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="was not restored"):
        call_command("restore", str(bad), "--yes")
    assert Scenario.objects.count() == count


def test_rejoining_under_a_taken_name_points_to_the_recovery_link(loaded: None) -> None:
    teacher = User.objects.create_user("mrs-k", password="a-long-and-right-password")
    classroom = Classroom.objects.create(name="Period 3", owner=teacher)
    Membership.objects.create(classroom=classroom, learner_key="anon:lost-session", display_name="Ada")
    client = Client()
    client.get("/classroom/join/")
    response = client.post("/classroom/join/", {"code": classroom.code, "display_name": "Ada",
                                                "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 409
    assert "open your recovery link first" in response.content.decode()
