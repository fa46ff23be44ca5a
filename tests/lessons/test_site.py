"""The site shell around the lesson: home page, navigation, coming-soon pages, base template."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from kmslab.views import coming_soon


@pytest.mark.django_db
def test_home_links_to_every_area_and_shows_diagram(client: Client) -> None:
    html = client.get("/").content.decode()
    for href in ('href="/lesson/"', 'href="/scenarios/"', 'href="/quiz/"', 'href="/classroom/"'):
        assert href in html
    assert 'id="home-diagram"' in html


@pytest.mark.django_db
def test_base_template_has_landmarks_skip_link_and_theme_script(client: Client) -> None:
    html = client.get("/lesson/").content.decode()
    assert '<a class="visually-hidden-focusable skip-link" href="#main">' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert "/static/js/theme.js" in html
    assert "/static/vendor/bootstrap-5.3.9/css/bootstrap.kmslab.min.css" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


@pytest.mark.django_db
def test_nav_marks_current_section(client: Client) -> None:
    html = client.get("/lesson/glossary/").content.decode()
    assert 'class="nav-link active" aria-current="page" href="/lesson/"' in html


@pytest.mark.django_db
def test_nav_shows_logout_form_when_logged_in(logged_in_client: Client) -> None:
    html = logged_in_client.get("/").content.decode()
    assert 'action="/accounts/logout/"' in html and "Signed in as learner" in html


@pytest.mark.django_db
def test_coming_soon_renders_title() -> None:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    request.htmx = False  # type: ignore[attr-defined]
    response = coming_soon(request, title="Widgets")
    assert response.status_code == 200
    assert "<h1>Widgets</h1>" in response.content.decode()
