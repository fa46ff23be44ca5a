"""Scenario pages link to the lesson sections that teach them, the glossary, and back to the
learner's classes that assign the scenario."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from kmslab.classroom.models import Classroom, Membership
from kmslab.lessons.content import find
from scenarios.lessonlinks import GLOSSARY, SECTIONS
from scenarios.models import Scenario
from tests.scenarios.test_views import S3, loaded, s3  # noqa: F401  (fixtures)


def test_every_scenario_names_lesson_sections_that_exist(loaded: None) -> None:  # noqa: F811
    assert set(SECTIONS) == set(Scenario.objects.values_list("slug", flat=True))
    for slug, sections in SECTIONS.items():
        assert sections, slug
        for section in (*sections, GLOSSARY):
            assert find(section) is not None, (slug, section)


def test_unsolved_scenario_page_links_its_lesson_sections_and_the_glossary(s3: Scenario, client: Client) -> None:  # noqa: F811
    html = client.get(f"/scenarios/{S3}/").content.decode()
    assert 'class="small mt-2 mb-0 lesson-links"' in html
    assert '<a href="/lesson/worked-example/">Worked example: cross-account S3 upload</a>' in html
    assert '<a href="/lesson/glossary/">Key terms</a>' in html
    assert "Back to" not in html  # not in any class


def test_assigned_scenario_links_back_to_the_learners_class(s3: Scenario, client: Client) -> None:  # noqa: F811
    User = get_user_model()
    owner = User.objects.create_user("teacher", password="x-Strong-pass-1")
    learner = User.objects.create_user("learner", password="x-Strong-pass-1")
    assigned = Classroom.objects.create(owner=owner, name="KMS <Tuesday>")
    assigned.scenarios.add(s3)
    other = Classroom.objects.create(owner=owner, name="Other class")  # a member, but not assigned
    Membership.objects.create(classroom=assigned, learner_key=f"user:{learner.pk}", display_name="Lea")
    Membership.objects.create(classroom=other, learner_key=f"user:{learner.pk}", display_name="Lea")
    not_mine = Classroom.objects.create(owner=owner, name="Someone else's class")
    not_mine.scenarios.add(s3)
    client.force_login(learner)
    html = client.get(f"/scenarios/{S3}/").content.decode()
    assert f'<a href="/classroom/my/{assigned.code}/">← Back to KMS &lt;Tuesday&gt;</a>' in html
    assert "Other class" not in html and "Someone else" not in html


@pytest.mark.parametrize("endpoint", ["simulate"])
def test_htmx_partials_do_not_carry_the_page_links(s3: Scenario, csrf_client: Client, endpoint: str) -> None:  # noqa: F811
    from tests.scenarios.test_views import docs, post
    html = post(csrf_client, endpoint, docs(s3), htmx=True).content.decode()
    assert "lesson-links" not in html
