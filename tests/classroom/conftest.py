"""Fixtures and builders for classroom tests: users in each role, classes, learner progress,
and a CSRF-enforcing client that fetches its token the way a browser does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from kmslab.classroom.instructors import instructors_group
from kmslab.classroom.models import Classroom, Membership
from scenarios.models import Attempt, Progress, Scenario

DENIED_GDK = (
    "User: arn:aws:iam::111111111111:user/bob is not authorized to perform: kms:GenerateDataKey on "
    "resource: arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab because no "
    "identity-based policy allows the kms:GenerateDataKey action"
)


class CsrfClient(Client):
    """A test client that enforces CSRF and sends the token like base.html's hx-headers do."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(enforce_csrf_checks=True, **kwargs)

    def token(self) -> str:
        if "csrftoken" not in self.cookies:
            self.get("/classroom/")
        return self.cookies["csrftoken"].value

    def post_form(self, path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
        payload = dict(data or {})
        payload["csrfmiddlewaretoken"] = self.token()
        return self.post(path, payload, **extra)


def make_user(username: str, instructor: bool = False, staff: bool = False) -> User:
    user = User.objects.create_user(username, password=None, is_staff=staff)  # no hashing: fast
    if instructor:
        user.groups.add(instructors_group())
    return user


def client_for(user: User | None) -> CsrfClient:
    c = CsrfClient()
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def instructor(db: None) -> User:
    return make_user("teacher", instructor=True)


@pytest.fixture
def other_instructor(db: None) -> User:
    return make_user("rival", instructor=True)


@pytest.fixture
def learner_user(db: None) -> User:
    return make_user("student")


def make_scenario(slug: str, order: int = 1) -> Scenario:
    """A bare Scenario row (its data is not a valid spec: the dashboard must not need one)."""
    return Scenario.objects.create(slug=slug, title=slug.replace("-", " ").title(), order=order, data={})


@pytest.fixture
def scenarios(db: None) -> list[Scenario]:
    return [make_scenario(f"scenario-{i}", i) for i in range(1, 4)]


def make_classroom(owner: User, scenarios: list[Scenario] | None = None, **overrides: Any) -> Classroom:
    fields: dict[str, Any] = {"name": "Tuesday cohort", "assigns_quiz": True, "is_open": True}
    fields.update(overrides)
    c = Classroom.objects.create(owner=owner, **fields)
    if scenarios:
        c.scenarios.set(scenarios)
    return c


@pytest.fixture
def classroom(instructor: User, scenarios: list[Scenario]) -> Classroom:
    return make_classroom(instructor, scenarios)


def join(classroom: Classroom, name: str, key: str | None = None) -> Membership:
    return Membership.objects.create(classroom=classroom, display_name=name, learner_key=key or f"anon:{name}")


def set_progress(key: str, scenario: Scenario, outcome: str = "failure", gate: str = "iam-policy",
                 message: str = DENIED_GDK, attempts: int = 2, solved_after: timedelta | None = None,
                 documents: dict[str, str] | None = None) -> Progress:
    """A Progress row as scenarios.progress.record_attempt leaves it, plus its first Attempt."""
    now = timezone.now()
    summary: dict[str, object] = {
        "outcome": outcome, "solved": solved_after is not None, "steps": [],
        "objectives_met": [], "objectives_unmet": [],
        "failing_step": 1 if outcome == "failure" else None,
        "failing_gate": gate if outcome == "failure" else "",
        "error_code": "AccessDeniedException" if outcome == "failure" else "",
        "error_message": message if outcome == "failure" else "",
        "errors": ["key_policy: JSON_SYNTAX"] if outcome == "invalid" else [],
    }
    first = Attempt.objects.create(learner_key=key, scenario=scenario, outcome=outcome, documents={})
    Attempt.objects.filter(pk=first.pk).update(created_at=now - (solved_after or timedelta(minutes=5)))
    return Progress.objects.create(
        learner_key=key, scenario=scenario, attempts=attempts, last_outcome=outcome,
        last_result_summary=summary, documents=documents or {"key_policy": "{}"},
        first_solved_at=now if solved_after is not None else None,
    )


@pytest.fixture
def anon() -> CsrfClient:
    return CsrfClient()


@pytest.fixture
def make_client() -> Callable[[User | None], CsrfClient]:
    return client_for

