"""Every lesson page in a real browser: desktop and phone, light and dark; no console errors, no
failed requests, no serious or critical axe violations; screenshots for a human to look at."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from kmslab.lessons.content import sections
from tests.browser.conftest import DESKTOP, PHONE, axe_audit, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATHS = ["/", "/lesson/"] + [f"/lesson/{s.slug}/" for s in sections()] + ["/lesson/all/", "/simulation/", "/me/", "/accounts/login/"]
VARIANTS = [("desktop", DESKTOP, "light"), ("desktop", DESKTOP, "dark"), ("phone", PHONE, "light"), ("phone", PHONE, "dark")]


@pytest.mark.parametrize(("device", "viewport", "scheme"), VARIANTS, ids=[f"{d}-{s}" for d, _, s in VARIANTS])
def test_lesson_pages_render_cleanly_and_accessibly(
    page_factory: Callable[..., Page], live_url: str, device: str, viewport: dict[str, int], scheme: str
) -> None:
    page = page_factory(viewport=viewport, color_scheme=scheme)
    for path in PATHS:
        page.goto(live_url + path)
        expect(page.locator("html")).to_have_attribute("data-bs-theme", scheme)
        expect(page.locator("main#main h1").first).to_be_visible()
        axe_audit(page)
        name = path.strip("/").replace("/", "-") or "home"
        screenshot(page, f"{name}-{device}-{scheme}")


def test_lesson_checkpoint_answers_revealed_on_demand(page: Page, live_url: str) -> None:
    page.goto(live_url + "/lesson/checkpoint/")
    first = page.locator("details").first
    answer = first.locator("p").first
    expect(answer).to_be_hidden()
    first.locator("summary").click()
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("No.")


def test_lesson_next_links_walk_every_section_and_fill_progress(page: Page, live_url: str) -> None:
    page.goto(live_url + "/lesson/")
    page.get_by_role("link", name="Start: Learning objectives").click()
    for _ in range(len(sections()) - 1):
        page.locator('a[rel="next"]').click()
    expect(page.locator("#lesson-progress label")).to_contain_text(f"{len(sections())} of {len(sections())} sections read")


def test_skip_link_moves_focus_to_main(page: Page, live_url: str) -> None:
    page.goto(live_url + "/lesson/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_phone_menu_toggle_reveals_navigation(page_factory: Callable[..., Page], live_url: str) -> None:
    page = page_factory(viewport=PHONE)
    page.goto(live_url + "/")
    quiz_link = page.get_by_role("link", name="Quiz", exact=True)
    expect(quiz_link).to_be_hidden()
    page.get_by_role("button", name="Toggle navigation").click()
    expect(quiz_link).to_be_visible()


def test_browser_fixture_records_console_errors_and_failed_requests(page_factory: Callable[..., Page], live_url: str) -> None:
    page = page_factory()
    page.goto(live_url + "/")
    page.evaluate("console.error('deliberate console error')")
    page.goto(live_url + "/static/js/no-such-file.js")
    problems: list[str] = page.browser_problems  # type: ignore[attr-defined]
    assert any("deliberate console error" in p for p in problems)
    assert any("HTTP 404" in p and "no-such-file.js" in p for p in problems)
    problems.clear()  # this test provoked them on purpose; don't fail at teardown


def test_axe_audit_sees_a_change_made_after_an_earlier_audit_of_the_same_page(page: Page, live_url: str) -> None:
    # axe-core is injected once per document: a second audit must still examine the DOM as it is now.
    page.goto(live_url + "/lesson/")
    axe_audit(page)
    page.evaluate("""() => {
        const p = document.createElement('p');
        p.textContent = 'barely visible text';
        p.style.color = '#777';  // through the CSSOM: the CSP forbids style attributes
        p.style.background = '#888';
        document.querySelector('main#main').append(p);
    }""")
    with pytest.raises(pytest.fail.Exception, match="color-contrast"):
        axe_audit(page)
    page.goto(live_url + "/lesson/")  # a new document: axe is injected again and the page is clean
    axe_audit(page)


def test_lesson_prints_content_only_with_code_unclipped(page: Page, live_url: str) -> None:
    page.goto(live_url + "/lesson/all/")
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.locator("footer")).to_be_hidden()
    # No code block scrolls sideways on paper: each one fits its own width.
    overflowing = page.evaluate(
        "[...document.querySelectorAll('pre')].filter(p => p.scrollWidth > p.clientWidth + 1).length"
    )
    assert overflowing == 0
    page.pdf(path=str(screenshot(page, "lesson-all-print").with_suffix(".pdf")))
    screenshot(page, "lesson-all-print")


def test_lesson_pdf_renders(page: Page, live_url: str) -> None:
    page.goto(live_url + "/lesson/worked-example/")
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
