"""Classroom and Membership rows: codes, uniqueness, cascade."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from kmslab.classroom.codes import ALPHABET
from kmslab.classroom.models import Classroom, Membership
from scenarios.models import Progress, Scenario
from tests.classroom.conftest import join, make_classroom, set_progress

pytestmark = pytest.mark.django_db


def test_classroom_gets_a_unique_code_on_create(instructor: User) -> None:
    a, b = make_classroom(instructor), make_classroom(instructor)
    assert a.code != b.code and set(a.code) <= set(ALPHABET) and len(a.code) == 6


def test_membership_is_unique_per_learner_and_class(classroom: Classroom) -> None:
    join(classroom, "Ada", "anon:one")
    with pytest.raises(IntegrityError), transaction.atomic():
        join(classroom, "Ada again", "anon:one")


def test_deleting_a_class_deletes_memberships_but_not_learner_work(
    classroom: Classroom, scenarios: list[Scenario]
) -> None:
    join(classroom, "Ada", "anon:one")
    set_progress("anon:one", scenarios[0])
    classroom.delete()
    assert Membership.objects.count() == 0
    assert Progress.objects.filter(learner_key="anon:one").count() == 1


def test_deleting_an_instructor_deletes_their_classes(instructor: User, classroom: Classroom) -> None:
    join(classroom, "Ada")
    instructor.delete()
    assert not Classroom.objects.exists() and not Membership.objects.exists()
