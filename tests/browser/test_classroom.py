"""The classroom in a real browser, two contexts at once: an instructor creates a class and
watches the live dashboard while a learner joins with the join link, fails a scenario, then
solves it; the dashboard shows each change within seconds (htmx polling), with no reload.
Axe audits and screenshots of every class page."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from kmslab.classroom.instructors import instructors_group
from scenarios.loader import load_scenarios
from scenarios.models import Scenario
from tests.browser.conftest import axe_audit, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "s3-cross-account-upload"
PASSWORD = "correct-horse-battery-staple-42"
LIVE = 10_000  # ms: the dashboard polls every 3 s


def run_on_scenario_page(page: Page, live_url: str, outcome: str, documents: Mapping[str, str] | None = None) -> None:
    """The learner opens the scenario, types the documents into the editors (if any), presses
    "Run simulation" and waits until the result panel shows the expected outcome."""
    page.goto(f"{live_url}/scenarios/{SLUG}/")
    for name, text in (documents or {}).items():
        # Set the text without typing: each keystroke would start a live run that the button's run
        # then aborts (hx-sync replace), and Chromium logs that abort as a console error.
        page.locator(f"#id_{name}").evaluate("(el, text) => { el.value = text; }", text)
    page.locator("#run-button").click()
    expect(page.locator("#result-panel")).to_have_attribute("data-outcome", outcome)


def log_in(page: Page, live_url: str, username: str, next_path: str) -> None:
    page.goto(f"{live_url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def test_classroom_dashboard_shows_a_learner_solving_live(page_factory: Callable[..., Page], live_url: str) -> None:
    load_scenarios()
    scenario = Scenario.objects.get(slug=SLUG)
    teacher = User.objects.create_user("teacher", password=PASSWORD)
    teacher.groups.add(instructors_group())
    instructor, learner = page_factory(), page_factory()

    log_in(instructor, live_url, "teacher", "/classroom/new/")
    axe_audit(instructor)
    instructor.get_by_label("Class name").fill("Browser cohort")
    instructor.get_by_label(scenario.title).check()
    instructor.get_by_role("button", name="Create class").click()
    expect(instructor.get_by_role("heading", level=1)).to_have_text("Browser cohort")
    expect(instructor).to_have_url(re.compile(r"/classroom/\d+/$"))
    # The dashboard polls its own URL every 3 s: leaving it may abort a poll in flight.
    instructor.allowed_aborts.append(instructor.url)  # type: ignore[attr-defined]
    join_link = instructor.locator(".cls-join figcaption a").get_attribute("href")
    assert join_link and re.search(r"/classroom/join/[A-Z2-9]{6}/$", join_link)
    expect(instructor.locator("#learner-grid")).to_have_count(0)
    axe_audit(instructor)

    learner.goto(join_link)
    learner.get_by_label("Your name").fill("<b>Ada</b>")
    learner.get_by_role("button", name="Join class").click()
    expect(learner.locator("#my-name")).to_have_text("<b>Ada</b>")
    class_page = learner.url
    expect(learner.locator(f'#my-assignments tr[data-scenario="{SLUG}"] td')).to_have_attribute("data-status", "not-started")
    axe_audit(learner)
    screenshot(learner, "classroom-learner-class-page")

    grid_cell = instructor.locator("#learner-grid tbody td[data-status]").first
    expect(instructor.locator("#learner-grid tbody th")).to_have_text("<b>Ada</b>", timeout=LIVE)
    expect(grid_cell).to_have_attribute("data-status", "not-started")

    spec = scenario.spec()
    run_on_scenario_page(learner, live_url, "failure")  # the starting documents fail
    gate = spec.start_failure.gate
    expect(instructor.locator(f'#heatmap tr[data-scenario="{SLUG}"] td[data-gate="{gate}"]')).to_have_text("1", timeout=LIVE)
    expect(grid_cell).to_have_attribute("data-status", "in-progress", timeout=LIVE)
    expect(instructor.locator("#reasons li")).to_have_count(1)
    screenshot(instructor, "classroom-dashboard-stuck")

    run_on_scenario_page(learner, live_url, "success", spec.solution)
    expect(grid_cell).to_have_attribute("data-status", "solved", timeout=LIVE)
    expect(instructor.locator(f'#heatmap tr[data-scenario="{SLUG}"] td[data-gate="{gate}"]')).to_have_text("0")
    expect(instructor).to_have_url(re.compile(r"/classroom/\d+/$"))  # never reloaded
    axe_audit(instructor)
    screenshot(instructor, "classroom-dashboard-solved")

    learner.goto(class_page)
    expect(learner.locator(f'#my-assignments tr[data-scenario="{SLUG}"] td')).to_have_attribute("data-status", "solved")

    instructor.locator("#learner-grid tbody th a").click()
    expect(instructor.get_by_role("heading", level=1)).to_have_text("<b>Ada</b>")
    expect(instructor.locator("pre.cls-doc").first).to_be_visible()
    axe_audit(instructor)
    screenshot(instructor, "classroom-learner-drilldown")


def test_classroom_join_page_and_wrong_code_page_are_accessible(page: Page, browser: Browser, live_url: str) -> None:
    page.goto(live_url + "/classroom/")
    axe_audit(page)
    screenshot(page, "classroom-index-anonymous")
    # The wrong-code page answers 404 on purpose, which Chromium logs as a console error: this
    # context is made without the console-error tracker.
    context = browser.new_context(color_scheme="dark")
    try:
        wrong = context.new_page()
        wrong.goto(live_url + "/classroom/join/")
        wrong.get_by_label("Join code").fill("ZZZZZZ")
        wrong.get_by_label("Your name").fill("Bea")
        with wrong.expect_response(lambda r: r.url.endswith("/classroom/join/") and r.request.method == "POST") as info:
            wrong.get_by_role("button", name="Join class").click()
        assert info.value.status == 404
        expect(wrong.locator("#join-problem")).to_contain_text("no class has that join code")
        axe_audit(wrong)
        screenshot(wrong, "classroom-join-wrong-code-dark")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_classroom_busy_dashboard_and_drilldown_are_accessible(
    page_factory: Callable[..., Page], live_url: str, scheme: str
) -> None:
    from datetime import timedelta

    from tests.classroom.conftest import join, make_classroom, make_scenario, set_progress

    teacher = User.objects.create_user("teacher", password=PASSWORD)
    teacher.groups.add(instructors_group())
    scenarios = [make_scenario(f"scenario-{i}", i) for i in range(1, 5)]
    classroom = make_classroom(teacher, scenarios, name="Busy <i>cohort</i>")
    gates = ["key-policy", "iam-policy", "iam-policy", "bucket-policy", "grant", "iam-policy"]
    for i in range(14):
        m = join(classroom, f"Learner {i:02d}" if i else "<script>alert(1)</script>")
        for j, s in enumerate(scenarios[: 1 + i % 4]):
            if (i + j) % 3 == 0:
                set_progress(m.learner_key, s, outcome="success", solved_after=timedelta(minutes=3 + i))
            else:
                set_progress(m.learner_key, s, gate=gates[(i + j) % len(gates)], attempts=1 + i % 5,
                             outcome="invalid" if (i + j) % 7 == 0 else "failure")
    page = page_factory(color_scheme=scheme)
    log_in(page, live_url, "teacher", f"/classroom/{classroom.pk}/")
    page.allowed_aborts.append(f"{live_url}/classroom/{classroom.pk}/")  # type: ignore[attr-defined]  # the poll
    expect(page.get_by_role("heading", level=1)).to_have_text("Busy <i>cohort</i>")
    expect(page.locator("#learner-grid tbody tr")).to_have_count(14)
    axe_audit(page)
    screenshot(page, f"classroom-dashboard-busy-{scheme}")
    link = page.locator("#learner-grid tbody th a").nth(3)
    link.focus()
    stamp = page.locator(".cls-updated").inner_text()
    expect(page.locator(".cls-updated")).not_to_have_text(stamp, timeout=LIVE)  # a poll swapped the grid
    expect(link).to_be_focused()  # keyboard focus survives the swap
    page.get_by_role("link", name="<script>alert(1)</script>").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("<script>alert(1)</script>")
    axe_audit(page)
    page.goto(f"{live_url}/classroom/{classroom.pk}/delete/")
    axe_audit(page)
    page.goto(f"{live_url}/classroom/{classroom.pk}/edit/")
    axe_audit(page)
    page.goto(f"{live_url}/classroom/")
    axe_audit(page)
    screenshot(page, f"classroom-index-instructor-{scheme}")
