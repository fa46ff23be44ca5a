"""The lesson pages: every section renders, links onward, and records progress."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kmslab.lessons.content import sections
from kmslab.lessons.models import SectionRead
from kmslab.lessons.progress import SESSION_KEY

SLUGS = [s.slug for s in sections()]
EXPECTED_SLUGS = [
    "objectives", "glossary", "big-idea", "requirements", "outline", "definitions",
    "worked-example", "encryption-context-grants", "service-principals", "s3-encryption-types",
    "cost-and-quotas", "rotation-multi-region", "checkpoint",
]


def test_lesson_sections_cover_the_study_guide_in_order() -> None:
    assert SLUGS == EXPECTED_SLUGS


@pytest.mark.django_db
def test_lesson_index_lists_every_section(client: Client) -> None:
    response = client.get(reverse("lessons:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for section in sections():
        assert reverse("lessons:section", args=[section.slug]) in html
    assert f"0 of {len(EXPECTED_SLUGS)} sections read" in html


@pytest.mark.django_db
@pytest.mark.parametrize("position", range(len(SLUGS)), ids=SLUGS)
def test_lesson_section_renders_with_previous_and_next(client: Client, position: int) -> None:
    slug = SLUGS[position]
    response = client.get(reverse("lessons:section", args=[slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Section {position + 1} of {len(SLUGS)}" in html
    if position > 0:
        assert f'rel="prev" href="{reverse("lessons:section", args=[SLUGS[position - 1]])}"' in html
    else:
        assert 'rel="prev"' not in html
    if position + 1 < len(SLUGS):
        assert f'rel="next" href="{reverse("lessons:section", args=[SLUGS[position + 1]])}"' in html
    else:
        assert 'rel="next"' not in html
        assert reverse("quiz:index") in html


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("objectives", "Configure a KMS key policy"),
        ("glossary", "arn:aws:iam::111122223333:root"),
        ("big-idea", 'role="img"'),
        ("requirements", "<table>"),
        ("outline", "full key ARN"),
        ("definitions", "4,096 bytes"),
        ("worked-example", '<div class="highlight">'),
        ("worked-example", 'href="/scenarios/s3-cross-account-upload/"'),
        ("worked-example", "arn:aws:iam::222222222222:root"),
        ("checkpoint", "<details>"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None,
)
@pytest.mark.django_db
def test_lesson_section_contains_key_content(client: Client, slug: str, expected: str) -> None:
    html = client.get(reverse("lessons:section", args=[slug])).content.decode()
    assert expected in html


@pytest.mark.django_db
def test_lesson_worked_example_highlights_both_policies_and_corrections(client: Client) -> None:
    html = client.get(reverse("lessons:section", args=["worked-example"])).content.decode()
    assert html.count('<div class="highlight">') == 3  # guide statement, full key policy, IAM policy
    assert html.count('class="admonition note"') >= 3  # lock-out, multipart Decrypt, S3 handshake
    assert "key-policy-default.html" in html
    assert "mpuoverview.html" in html


@pytest.mark.django_db
def test_lesson_unknown_section_is_404(client: Client) -> None:
    assert client.get("/lesson/no-such-section/").status_code == 404


@pytest.mark.django_db
def test_lesson_progress_kept_in_session_for_anonymous_visitor(client: Client) -> None:
    client.get(reverse("lessons:section", args=["glossary"]))
    client.get(reverse("lessons:section", args=["big-idea"]))
    assert sorted(client.session[SESSION_KEY]) == ["big-idea", "glossary"]
    html = client.get(reverse("lessons:index")).content.decode()
    assert f"2 of {len(EXPECTED_SLUGS)} sections read" in html
    assert SectionRead.objects.count() == 0


@pytest.mark.django_db
def test_lesson_progress_kept_in_database_for_logged_in_user(logged_in_client: Client, user) -> None:  # type: ignore[no-untyped-def]
    logged_in_client.get(reverse("lessons:section", args=["outline"]))
    logged_in_client.get(reverse("lessons:section", args=["outline"]))
    assert list(SectionRead.objects.filter(user=user).values_list("section", flat=True)) == ["outline"]
    assert SESSION_KEY not in logged_in_client.session
    fresh = Client()
    fresh.force_login(user)
    assert f"1 of {len(EXPECTED_SLUGS)} sections read" in fresh.get(reverse("lessons:index")).content.decode()


@pytest.mark.django_db
def test_lesson_progress_claimed_into_database_after_login(client: Client, user) -> None:  # type: ignore[no-untyped-def]
    client.get(reverse("lessons:section", args=["glossary"]))
    client.force_login(user)
    html = client.get(reverse("lessons:index")).content.decode()
    assert f"1 of {len(EXPECTED_SLUGS)} sections read" in html
    assert SectionRead.objects.filter(user=user, section="glossary").exists()


@pytest.mark.django_db
def test_lesson_progress_ignores_tampered_session_value(client: Client) -> None:
    session = client.session
    session[SESSION_KEY] = {"not": "a list"}
    session.save()
    assert client.get(reverse("lessons:index")).status_code == 200
    session = client.session
    session[SESSION_KEY] = ["glossary", 42, "no-such-section"]
    session.save()
    assert f"1 of {len(EXPECTED_SLUGS)} sections read" in client.get(reverse("lessons:index")).content.decode()


@pytest.mark.django_db
def test_lesson_reset_clears_progress_and_needs_csrf(csrf_client: Client) -> None:
    csrf_client.get(reverse("lessons:section", args=["glossary"]))
    assert csrf_client.post(reverse("lessons:reset")).status_code == 403
    page = csrf_client.get(reverse("lessons:index"))
    token = page.context["csrf_token"]
    response = csrf_client.post(reverse("lessons:reset"), {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert f"0 of {len(EXPECTED_SLUGS)} sections read" in csrf_client.get(reverse("lessons:index")).content.decode()


@pytest.mark.django_db
def test_lesson_reset_rejects_get(client: Client) -> None:
    assert client.get(reverse("lessons:reset")).status_code == 405
