"""Security headers, CSRF wiring, and pages that must never 500."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/lesson/", "/lesson/big-idea/", "/accounts/login/", "/healthz", "/scenarios/", "/quiz/", "/classroom/"]


def csp_directives(header: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES, ids=PAGES)
def test_security_headers_present_on_every_page(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code < 500
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["default-src"] == "default-src 'self'"
    assert csp["script-src"] == "script-src 'self'"
    assert csp["style-src"] == "style-src 'self'"
    assert csp["img-src"] == "img-src 'self' data:"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["form-action"] == "form-action 'self'"
    assert csp["base-uri"] == "base-uri 'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_base_template_sends_csrf_token_to_htmx_and_disables_indicator_styles(client: Client) -> None:
    html = client.get("/").content.decode()
    match = re.search(r"""<body hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""", html)
    assert match and len(match.group(1)) >= 32
    assert '"includeIndicatorStyles": false' in html
    assert "/static/django_htmx/htmx-2" in html or "htmx" in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/lesson/", "/lesson/worked-example/", "/accounts/login/"], ids=["home", "lesson", "worked-example", "login"])
def test_pages_have_no_inline_scripts_or_style_attributes(client: Client, path: str) -> None:
    html = client.get(path).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, f"inline script: {tag}"
    for body in re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S):
        assert body.strip() == "", f"inline script body: {body[:80]}"
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_templates_never_use_inline_scripts_or_styles() -> None:
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag, f"{path}: inline script {tag}"
        assert " style=" not in text, f"{path}: style attribute"
        assert "<style" not in text, f"{path}: <style> element"


def test_no_asset_from_a_cdn() -> None:
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']https?://[^"']*\.(js|css)""", text), path


@pytest.mark.django_db
def test_healthz_reports_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete"], ids=["post", "put", "delete"])
def test_read_only_pages_reject_unsafe_methods(client: Client, method: str) -> None:
    assert getattr(client, method)("/").status_code == 405
    assert getattr(client, method)("/lesson/glossary/").status_code == 405


@pytest.mark.django_db
def test_login_needs_csrf_token(csrf_client: Client) -> None:
    response = csrf_client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_login_with_bad_password_shows_message_not_500(client: Client, user) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/accounts/login/", {"username": "learner", "password": "wrong"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


@pytest.mark.django_db
def test_login_then_logout_round_trip(client: Client, user) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/accounts/login/", {"username": "learner", "password": "correct-horse-battery-staple"})
    assert response.status_code == 302
    assert "Signed in as learner" in client.get("/").content.decode()
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert "Log in" in client.get("/").content.decode()


@pytest.mark.django_db
def test_unknown_url_is_404_not_500(client: Client) -> None:
    assert client.get("/no/such/page/").status_code == 404


@pytest.mark.django_db
def test_password_change_in_site_style_with_field_errors_then_done(client: Client, user) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/accounts/password_change/").status_code == 302  # logged-out: to the login page
    client.force_login(user)
    page = client.get("/accounts/password_change/").content.decode()
    assert "Change your password" in page and "Django site admin" not in page
    bad = client.post("/accounts/password_change/", {"old_password": "wrong", "new_password1": "a", "new_password2": "b"})
    assert bad.status_code == 200 and 'class="invalid-feedback"' in bad.content.decode()
    ok = client.post("/accounts/password_change/", {"old_password": "correct-horse-battery-staple", "new_password1": "Fresh-Pass-9876",
                                                    "new_password2": "Fresh-Pass-9876"})
    assert ok.status_code == 302 and ok["Location"] == "/accounts/password_change/done/"
    assert "Your new password is in use" in client.get(ok["Location"]).content.decode()


@pytest.mark.django_db
def test_no_email_password_reset_on_a_server_without_mail(client: Client) -> None:
    # A classroom server has no mail relay: the admin-styled reset pages would promise an e-mail
    # that never comes. `manage.py changepassword NAME` is the documented way.
    assert client.get("/accounts/password_reset/").status_code == 404
