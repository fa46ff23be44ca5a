"""kmslab.rows reads rows as the ORM does (kmslab.sessions, the scenario page's hot reads)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from kmslab import rows
from scenarios.loader import load_scenarios
from scenarios.models import Attempt, Progress, Scenario

pytestmark = pytest.mark.django_db


def fields_of(instance: object, names: list[str]) -> dict[str, object]:
    return {n: getattr(instance, n) for n in names}


def test_get_row_reads_a_scenario_as_the_orm_does_with_data_deferred() -> None:
    load_scenarios()
    row = rows.get_row(Scenario, exclude=("data",), slug="ebs-snapshot-sharing")
    orm = Scenario.objects.defer("data").get(slug="ebs-snapshot-sharing")
    names = [f.attname for f in Scenario._meta.concrete_fields if f.attname != "data"]
    assert row is not None and fields_of(row, names) == fields_of(orm, names)
    assert isinstance(row.updated_at, dt.datetime) and row.updated_at.tzinfo is not None
    assert row.is_published is True and "data" not in row.__dict__  # deferred: read on demand only
    assert row.spec().slug == "ebs-snapshot-sharing"
    assert rows.get_row(Scenario, slug="no-such-scenario") is None


def test_get_row_comparisons_and_order() -> None:
    load_scenarios()
    scenario = Scenario.objects.get(slug="s3-cross-account-upload")
    for outcome in ("failure", "invalid", "success", "invalid"):
        Attempt.objects.create(learner_key="anon:x", scenario=scenario, outcome=outcome, documents={"o": outcome})
    newest_valid = rows.get_row(Attempt, order="-id", learner_key="anon:x", scenario=scenario.pk,
                                outcome__ne="invalid")
    assert newest_valid is not None and newest_valid.documents == {"o": "success"}
    oldest = rows.get_row(Attempt, order="id", learner_key="anon:x")
    assert oldest is not None and oldest.outcome == "failure"
    later = rows.get_row(Attempt, order="id", learner_key="anon:x", id__gt=oldest.pk)
    assert later is not None and later.outcome == "invalid"


def test_get_row_of_a_json_field_with_any_text() -> None:
    load_scenarios()
    scenario = Scenario.objects.get(slug="s3-cross-account-upload")
    docs = {"key_policy": "caf\u00e9 \U0001f512 \"quoted\" \\ '; --", "n": [1, 2.5, None, True]}
    Progress.objects.create(learner_key="anon:j", scenario=scenario, documents=docs)
    row = rows.get_row(Progress, learner_key="anon:j", scenario=scenario.pk)
    assert row is not None and row.documents == docs


def test_sessions_read_with_rows_expire_as_djangos() -> None:
    load_scenarios()
    client = Client()
    client.get("/scenarios/s3-cross-account-upload/")  # creates the learner's session
    client.post("/scenarios/s3-cross-account-upload/simulate/", {}, HTTP_HX_REQUEST="true")
    key = client.cookies["sessionid"].value
    assert rows.get_row(Session, session_key=key, expire_date__gt=timezone.now()) is not None
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert rows.get_row(Session, session_key=key, expire_date__gt=timezone.now()) is None
    from kmslab.sessions import SessionStore

    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None  # an expired session is not used


def assigning(scenario_id: object, learner_key: object) -> QuerySet[Scenario]:
    return Scenario.objects.filter(pk=scenario_id, progress__learner_key=learner_key).values_list("slug", "title")


def test_values_compiles_once_and_reads_what_the_orm_reads() -> None:
    load_scenarios()
    scenario = Scenario.objects.get(slug="s3-cross-account-upload")
    Progress.objects.create(learner_key="anon:v", scenario=scenario)
    samples = (-99991, "\x00sample")
    got = rows.values("test-values", assigning, samples, (scenario.pk, "anon:v"))
    assert got == list(assigning(scenario.pk, "anon:v")) == [(scenario.slug, scenario.title)]
    assert rows.values("test-values", assigning, samples, (scenario.pk, "anon:other")) == []
    # a sample the compiled query does not carry once: the ORM answers, every time
    assert rows.values("test-values-fallback", assigning, (scenario.pk, "anon:v"), (scenario.pk, "anon:v")) == got


def test_count_and_isnull_match_the_orm() -> None:
    load_scenarios()
    scenario = Scenario.objects.get(slug="s3-cross-account-upload")
    for outcome, reason in (("failure", "x"), ("invalid", ""), ("success", "y")):
        Attempt.objects.create(learner_key="anon:c", scenario=scenario, outcome=outcome, documents={})
    assert rows.count(Attempt, learner_key="anon:c") == 3
    assert rows.count(Attempt, learner_key="anon:c", outcome__ne="invalid") == 2
    assert rows.count(Attempt, learner_key="anon:nobody") == 0
    assert rows.count(Scenario) == Scenario.objects.count()
    first = Attempt.objects.filter(learner_key="anon:c").order_by("id").first()
    assert first is not None
    by_pk = rows.get_row(Attempt, pk=first.pk)
    assert by_pk is not None and by_pk.outcome == "failure"
    Progress.objects.create(learner_key="anon:n", scenario=scenario, documents={}, first_solved_at=None)
    unsolved = rows.get_row(Progress, learner_key="anon:n", first_solved_at__isnull=True)
    assert unsolved is not None and unsolved.learner_key == "anon:n"
    assert rows.count(Progress, learner_key="anon:n", first_solved_at__isnull=True) == 1
    with pytest.raises(ValueError, match="__isnull=True only"):
        rows.count(Progress, learner_key="anon:n", first_solved_at__isnull=False)


def test_an_integer_out_of_the_columns_range_matches_no_row() -> None:
    load_scenarios()
    huge = 10**25
    assert rows.get_row(Attempt, pk=huge) is None
    assert rows.get_row(Attempt, pk=-huge) is None
    assert rows.get_row(Progress, learner_key="anon:x", scenario=huge) is None
    assert rows.count(Attempt, pk=huge) == 0
    assert rows.count(Attempt, pk=2**63) == 0
    with pytest.raises(ValueError, match="out of the column's range"):
        rows.get_row(Attempt, id__gt=huge)


@pytest.mark.parametrize("path", ["/quiz/s/99999999999999999999999/", "/quiz/s/9223372036854775808/",
                                  "/quiz/s/1/results/"])
def test_a_quiz_url_with_a_huge_id_is_a_404(path: str) -> None:
    client = Client()
    client.get("/quiz/")
    assert client.get(path).status_code == 404
