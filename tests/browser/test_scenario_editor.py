"""The scenario page in Chromium: live simulation as you type, the code editor, keyboard-only
use, the page with JavaScript off, axe-core, and screenshots to look at."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from scenarios.loader import load_scenarios
from scenarios.models import Scenario
from kmslab.lab.spec import ScenarioSpec
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOT_DIR, axe_audit, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S3 = "s3-cross-account-upload"
FLIP_MS = 1_000  # "watch the outcome flip within a second" of the last keystroke


@pytest.fixture(autouse=True)
def scenarios_loaded(transactional_db: None) -> None:
    report = load_scenarios()
    assert not report.errors, report.errors


@pytest.fixture
def spec(scenarios_loaded: None) -> ScenarioSpec:
    return Scenario.objects.get(slug=S3).spec()


def panel(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#result-panel")


def editor(page: Page, title: str):  # type: ignore[no-untyped-def]
    return page.get_by_label(title, exact=True)


def replace_text(page: Page, title: str, text: str) -> None:
    """Select everything in an editor and type over it (one input event, like a paste)."""
    box = editor(page, title)
    box.focus()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def apply_first_fix(page: Page) -> None:
    """Press the first Apply fix and wait for the panel it sends back. The panel shown before may
    hold an applied-change box and fix buttons of its own (from the previous fix), so it is marked
    first and the wait is for a panel without the mark."""
    panel(page).evaluate("el => el.setAttribute('data-test-before-fix', '')")
    with page.expect_response(lambda r: r.url.endswith("/fix/")):
        page.locator('button[name="fix"]').first.click()
    expect(page.locator("#result-panel:not([data-test-before-fix])")).to_have_count(1)
    expect(panel(page).locator(".applied-change")).to_be_visible()


def will_type(page: Page) -> None:
    """A test that navigates away right after typing may leave a run in flight: the browser then
    cancels it (a failed request, not a console error). Console errors still fail the test."""
    page.allowed_failures.append("/simulate/")  # type: ignore[attr-defined]
    # The AWS CLI panel polls its call list every 4 s: leaving the page may abort that poll too
    # (each polled URL is forgiven net::ERR_ABORTED only; an error status still fails).
    page.on("request", lambda r: r.url.endswith("/aws-calls/") and page.allowed_aborts.append(r.url))  # type: ignore[attr-defined]
    page.on("response", lambda r: r.status >= 400 and page.browser_problems.append(  # type: ignore[attr-defined]
        f"HTTP {r.status}: {r.url}"))


def open_scenario(page: Page, live_url: str) -> None:
    will_type(page)
    page.goto(f"{live_url}/scenarios/{S3}/")
    expect(panel(page)).to_have_attribute("data-outcome", "failure")
    expect(page.locator(".code-editor.ce-ready")).to_have_count(2)


def test_typing_in_the_iam_editor_flips_the_outcome_live(page: Page, live_url: str, spec: ScenarioSpec) -> None:
    open_scenario(page, live_url)
    replace_text(page, "Account A key policy", spec.solution["key_policy"])
    expect(panel(page).locator('[data-step-index="1"]')).to_have_attribute("data-step-outcome", "failure")
    expect(panel(page)).to_contain_text("no identity-based policy allows")

    replace_text(page, "Account B IAM policy", spec.solution["iam_policy"])
    expect(panel(page)).to_have_attribute("data-outcome", "success", timeout=FLIP_MS)
    expect(panel(page).locator('[data-step-outcome="success"]')).to_have_count(len(spec.steps))
    # the deciding statements are highlighted in the editors
    expect(page.locator('.code-editor[data-doc="iam_policy"] .ce-mark-allow').first).to_be_visible()

    # a stray character makes the JSON invalid: findings in place, the last good result stale
    iam = editor(page, "Account B IAM policy")
    iam.press("Control+Home")
    page.keyboard.type("x")
    expect(panel(page)).to_have_attribute("data-outcome", "invalid", timeout=FLIP_MS)
    expect(panel(page).locator(".stale-note")).to_contain_text("stale")
    expect(page.locator('.code-editor[data-doc="iam_policy"] .ce-finding-error')).to_have_count(1)
    expect(page.locator('.code-editor[data-doc="iam_policy"]')).to_have_class("code-editor ce-ready ce-has-errors")

    page.keyboard.press("Backspace")
    expect(panel(page)).to_have_attribute("data-outcome", "success", timeout=FLIP_MS)
    page.reload()  # saved as they typed
    expect(panel(page)).to_have_attribute("data-outcome", "success")
    expect(editor(page, "Account B IAM policy")).to_have_value(spec.solution["iam_policy"])


def test_a_newer_run_replaces_an_older_one_without_console_errors(
        page: Page, live_url: str, spec: ScenarioSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typing while a run is in flight: the older run is never aborted (htmx logs an abort as a
    console error and the browser reports a failed request, both failing this test), and its
    result is not shown over the newer one."""
    from scenarios import views

    real = views.run_scenario
    armed, runs, second_sent = [False], [0], threading.Event()

    def slow_run(*args, **kwargs):  # type: ignore[no-untyped-def]
        if armed[0]:
            runs[0] += 1
            if runs[0] == 1:  # the first run is held until the next keystroke's run is sent
                second_sent.wait(3)  # (a page that queues runs sends it only after this one)
            else:
                second_sent.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "run_scenario", slow_run)
    page.goto(f"{live_url}/scenarios/{S3}/")
    expect(page.locator(".code-editor.ce-ready")).to_have_count(2)
    armed[0] = True
    iam = spec.solution["iam_policy"]
    with page.expect_request(lambda r: r.url.endswith("/simulate/")):
        replace_text(page, "Account A key policy", spec.solution["key_policy"])
    replace_text(page, "Account B IAM policy", iam[:-1])  # typed while that run is in flight
    page.wait_for_timeout(400)
    page.keyboard.type(iam[-1])
    expect(panel(page)).to_have_attribute("data-outcome", "success", timeout=8_000)
    page.wait_for_timeout(1_000)  # anything still queued has landed, and did not undo it
    expect(panel(page)).to_have_attribute("data-outcome", "success")
    expect(editor(page, "Account B IAM policy")).to_have_value(iam)
    assert runs[0] >= 2


def test_editor_overlay_lines_up_with_the_textarea(page: Page, live_url: str) -> None:
    open_scenario(page, live_url)
    metrics = page.evaluate("""() => {
      const root = document.querySelector('.code-editor[data-doc="iam_policy"]');
      const pick = el => { const s = getComputedStyle(el);
        return [s.fontFamily, s.fontSize, s.lineHeight, s.paddingTop, s.paddingLeft, s.letterSpacing, s.whiteSpace, s.tabSize]; };
      const ta = root.querySelector('textarea'), pre = root.querySelector('.ce-highlight');
      const a = ta.getBoundingClientRect(), b = pre.getBoundingClientRect();
      return {ta: pick(ta), pre: pick(pre), dx: a.left - b.left, dy: a.top - b.top,
              color: getComputedStyle(ta).color};
    }""")
    assert metrics["ta"] == metrics["pre"]
    assert (metrics["dx"], metrics["dy"]) == (0, 0)
    assert metrics["color"] == "rgba(0, 0, 0, 0)"  # the textarea's own text is invisible: no double text


def test_editor_highlights_numbers_lines_and_indents_with_tab(page: Page, live_url: str) -> None:
    open_scenario(page, live_url)
    box = editor(page, "Account B IAM policy")
    value = box.input_value()
    lines = value.count("\n") + 1
    expect(page.locator('.code-editor[data-doc="iam_policy"] .ce-num')).to_have_count(lines)
    expect(page.locator('.code-editor[data-doc="iam_policy"] .tk-key').first).to_have_text('"Version"')
    box.focus()
    box.press("Control+Home")
    box.press("Tab")
    expect(box).to_be_focused()
    assert box.input_value() == "  " + value
    box.press("Shift+Tab")
    assert box.input_value() == value


def test_keyboard_only_edit_run_and_leave_the_editor(page: Page, live_url: str, spec: ScenarioSpec) -> None:
    open_scenario(page, live_url)
    key_policy = editor(page, "Account A key policy")
    for _ in range(40):  # Tab from the top of the page until the key policy editor has focus
        page.keyboard.press("Tab")
        if key_policy.evaluate("el => el === document.activeElement"):
            break
    expect(key_policy).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(spec.solution["key_policy"])
    expect(panel(page)).to_contain_text("no identity-based policy allows")  # ran as they typed
    with page.expect_response(lambda r: r.url.endswith("/simulate/") and r.status == 200):
        page.keyboard.press("Control+Enter")  # and runs on demand, without a newline
    assert key_policy.input_value() == spec.solution["key_policy"]
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")  # Esc then Tab leaves the editor
    expect(editor(page, "Account B IAM policy")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(editor(page, "Account B IAM policy")).not_to_be_focused()

    apply = page.get_by_role("button", name="Apply fix to Account B IAM policy")
    # No run in flight (a slow machine may still be answering the last one): a fix pressed while a
    # run is queued (hx-sync "queue last") has come back as a plain run, without the fix.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    with page.expect_response(lambda r: r.url.endswith("/fix/"), timeout=30_000) as fixed:
        apply.press("Enter")  # focus the button, then Enter presses it (one step: a swap in between cannot take the focus)
    assert fixed.value.status == 200
    expect(panel(page)).to_have_attribute("data-outcome", "success")
    expect(panel(page).locator(".applied-change")).to_contain_text("Applied fix")
    expect(editor(page, "Account B IAM policy")).to_have_value(re.compile(r"kms:GenerateDataKey"))
    expect(panel(page).locator(".applied-change")).to_be_focused()  # focus follows the change

    page.locator("#next-hint").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#hints li")).to_have_count(1)
    expect(page.locator("#next-hint")).to_be_focused()  # the swapped-in button, not <body>


def test_statement_builder_inserts_into_the_editor(page: Page, live_url: str) -> None:
    open_scenario(page, live_url)
    page.locator("#id_sb-document").select_option("key_policy")
    page.locator("#id_sb-principal").select_option("arn:aws:iam::111111111111:root")
    page.locator("#id_sb-actions").select_option("kms:GenerateDataKey")
    page.locator("#id_sb-resource").select_option("*")
    page.get_by_role("button", name="Insert statement").click()
    expect(editor(page, "Account A key policy")).to_have_value(re.compile("AllowGenerateDataKey"))
    expect(panel(page)).to_contain_text("Inserted a statement into Account A key policy.")
    expect(panel(page)).to_contain_text("no identity-based policy allows")


def test_hints_and_solution_unlock(page: Page, live_url: str) -> None:
    open_scenario(page, live_url)
    page.get_by_role("button", name="Next hint").click()
    expect(page.locator("#hints li")).to_have_count(1)
    expect(page.get_by_role("button", name="Show solution")).to_have_count(0)
    page.get_by_role("button", name="Run simulation").click()
    expect(panel(page)).to_have_attribute("data-outcome", "failure")
    page.get_by_role("button", name="Diff against the solution").click()  # unlocked by that run
    expect(page.locator("#solution-panel .diff-add").first).to_be_visible()


def test_page_works_with_javascript_off(browser: Browser, live_url: str, spec: ScenarioSpec) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{live_url}/scenarios/{S3}/")
        expect(panel(page)).to_have_attribute("data-outcome", "failure")
        editor(page, "Account A key policy").fill(spec.solution["key_policy"])
        editor(page, "Account B IAM policy").fill(spec.solution["iam_policy"])
        page.get_by_role("button", name="Run simulation").click()
        page.wait_for_url(f"{live_url}/scenarios/{S3}/simulate/")
        expect(panel(page)).to_have_attribute("data-outcome", "success")
        expect(page.locator('[data-step-outcome="success"]')).to_have_count(len(spec.steps))
        page.get_by_role("button", name="Next hint").click()
        expect(page.locator("#hints li")).to_have_count(1)
        expect(editor(page, "Account B IAM policy")).to_have_value(spec.solution["iam_policy"])
        screenshot(page, "scenario-nojs-desktop-light")
    finally:
        context.close()


VARIANTS = [("desktop", DESKTOP, "light"), ("desktop", DESKTOP, "dark"), ("phone", PHONE, "light"), ("phone", PHONE, "dark")]


@pytest.mark.parametrize(("device", "viewport", "scheme"), VARIANTS, ids=[f"{d}-{s}" for d, _, s in VARIANTS])
def test_scenario_pages_are_accessible_and_screenshotted(
        page_factory: Callable[..., Page], live_url: str, spec: ScenarioSpec,
        device: str, viewport: dict[str, int], scheme: str) -> None:
    page = page_factory(viewport=viewport, color_scheme=scheme)
    page.goto(f"{live_url}/scenarios/")
    expect(page.locator("main h1")).to_have_text("Scenarios")
    axe_audit(page)
    screenshot(page, f"scenarios-{device}-{scheme}")
    open_scenario(page, live_url)
    axe_audit(page)
    screenshot(page, f"scenario-failure-{device}-{scheme}")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.locator("#editors").screenshot(path=str(SCREENSHOT_DIR / f"scenario-editors-{device}-{scheme}.png"))
    replace_text(page, "Account B IAM policy", spec.solution["iam_policy"])
    replace_text(page, "Account A key policy", spec.solution["key_policy"])
    expect(panel(page)).to_have_attribute("data-outcome", "success")
    axe_audit(page)
    screenshot(page, f"scenario-success-{device}-{scheme}")
    replace_text(page, "Account B IAM policy", '{"Version": "2012-10-17", "Statement": [')
    expect(panel(page)).to_have_attribute("data-outcome", "invalid")
    axe_audit(page)
    screenshot(page, f"scenario-invalid-{device}-{scheme}")


# Caller names in the diagram that spill out of their box (only the displayed layout is measured).
DIAGRAM_SPILLS = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('.kms-diagram-svg')) {
    if (!svg.getBoundingClientRect().width) continue;
    const box = svg.querySelector('.kd-caller-box').getBBox(), text = svg.querySelector('.kd-caller').getBBox();
    if (text.x < box.x || text.x + text.width > box.x + box.width || text.y < box.y || text.y + text.height > box.y + box.height)
      out.push(svg.querySelector('.kd-caller').textContent + ' spills out of its box');
  }
  return out;
}"""


SLUGS = ["s3-cross-account-upload", "ebs-snapshot-sharing", "aws-managed-key-trap", "cross-account-download",
         "same-account-no-root-statement", "guardrail-explicit-deny", "grants-temporary-decrypt",
         "centralized-cloudtrail"]


def test_every_scenario_page_is_accessible_failing_and_solved(page: Page, live_url: str) -> None:
    will_type(page)
    for slug in SLUGS:
        spec = Scenario.objects.get(slug=slug).spec()
        page.goto(f"{live_url}/scenarios/{slug}/")
        expect(panel(page)).to_have_attribute("data-outcome", "failure")
        expect(page.locator(".code-editor.ce-ready")).to_have_count(len(spec.editable))
        assert page.evaluate(DIAGRAM_SPILLS) == []
        axe_audit(page)
        for doc in spec.editable:
            if doc.name in spec.solution:
                replace_text(page, doc.title, spec.solution[doc.name])
        expect(panel(page)).to_have_attribute("data-outcome", "success")
        assert page.evaluate(DIAGRAM_SPILLS) == []
        axe_audit(page)
        screenshot(page, f"scenario-solved-{slug}")


def test_applied_fix_box_passes_axe_in_both_colour_schemes(page_factory: Callable[..., Page], live_url: str) -> None:
    for scheme in ("light", "dark"):
        page = page_factory(color_scheme=scheme)
        open_scenario(page, live_url)
        page.locator('button[name="fix"]').first.click()
        expect(panel(page).locator(".applied-change code").first).to_be_visible()
        axe_audit(page)
        panel(page).locator(".applied-change").screenshot(path=str(SCREENSHOT_DIR / f"scenario-applied-fix-{scheme}.png"))


# Text (code, an exception name, an ARN) wider than the block that holds it, outside the places
# that scroll on purpose (pre, the gate tables) and the diagram. Blocks may overhang by a row's
# negative gutter margin (4px), not by a word.
OVERFLOWING = """() => {
  const out = [];
  for (const el of document.querySelectorAll('#result-panel *')) {
    if (el.closest('pre, svg, .table-responsive, .editor-marks')) continue;
    const style = getComputedStyle(el);
    if (style.display !== 'inline') {
      if (style.overflowX === 'visible' && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 8)
        out.push(el.tagName + '.' + el.className + ' is ' + (el.scrollWidth - el.clientWidth) + 'px too wide');
      continue;
    }
    let box = el.parentElement;
    while (getComputedStyle(box).display === 'inline') box = box.parentElement;
    const right = box.getBoundingClientRect().right - (parseFloat(getComputedStyle(box).paddingRight) || 0);
    if (el.getBoundingClientRect().right > right + 1) out.push(el.tagName + ': ' + el.textContent.slice(0, 80));
  }
  return out;
}"""


@pytest.mark.parametrize("slug", ["ebs-snapshot-sharing", "grants-temporary-decrypt", "centralized-cloudtrail",
                                  "same-account-no-root-statement"])
def test_long_ids_and_error_codes_wrap_inside_their_boxes_on_a_phone(
        page_factory: Callable[..., Page], live_url: str, slug: str) -> None:
    page = page_factory(viewport=PHONE)
    will_type(page)
    page.goto(f"{live_url}/scenarios/{slug}/")
    expect(panel(page)).to_have_attribute("data-outcome", "failure")
    for _ in range(3):  # the failing page, then after each fix (the applied-fix box, new steps)
        assert page.evaluate(OVERFLOWING) == []
        fix = page.locator('button[name="fix"]')
        if fix.count() == 0:
            break
        apply_first_fix(page)
    screenshot(page, f"scenario-phone-wrapped-{slug}")


def test_diagram_caller_names_fit_their_boxes_on_a_phone(page_factory: Callable[..., Page], live_url: str) -> None:
    page = page_factory(viewport=PHONE)
    will_type(page)
    for slug in SLUGS:
        spec = Scenario.objects.get(slug=slug).spec()
        page.goto(f"{live_url}/scenarios/{slug}/")
        expect(panel(page)).to_have_attribute("data-outcome", "failure")
        assert page.evaluate(DIAGRAM_SPILLS) == [], slug
        for doc in spec.editable:
            if doc.name in spec.solution:
                replace_text(page, doc.title, spec.solution[doc.name])
        expect(panel(page)).to_have_attribute("data-outcome", "success")
        assert page.evaluate(DIAGRAM_SPILLS) == [], slug
        element_screenshot(page, ".kms-diagram-tall", f"diagram-phone-{slug}.png")
        # a live run still in flight may have re-drawn the diagram meanwhile: it fits as well
        expect(panel(page)).to_have_attribute("data-outcome", "success")
        assert page.evaluate(DIAGRAM_SPILLS) == [], slug


def element_screenshot(page: Page, selector: str, name: str) -> None:
    """A screenshot of one element. When a live run's response swaps the result panel while the
    shot is taken (a slow machine), the element is found again: the shot is of the new one."""
    for attempt in range(3):
        try:
            page.locator(selector).screenshot(path=str(SCREENSHOT_DIR / name))
            return
        except PlaywrightError as exc:
            if "not attached to the DOM" not in str(exc) or attempt == 2:
                raise


def test_solving_with_apply_fix_unlocks_the_solution_and_the_diff_compares_decisions(page: Page, live_url: str) -> None:
    open_scenario(page, live_url)
    controls = page.locator("#solution-controls")
    expect(controls).to_contain_text("The result shown is for the starting documents")
    for _ in range(4):  # the engine's fixes, one per click, until every step goes as expected
        if panel(page).get_attribute("data-outcome") == "success":
            break
        apply_first_fix(page)
    expect(panel(page)).to_have_attribute("data-outcome", "success")
    expect(panel(page)).to_contain_text("solved!")
    page.get_by_role("button", name="Diff against the solution").click()  # unlocked without a reload
    expect(page.locator("#solution-panel .decides-alike")).to_contain_text("decide every step alike")
    page.locator("#solution-panel").screenshot(path=str(SCREENSHOT_DIR / "scenario-diff-after-fixes.png"))


EDITOR_LAYOUT = """(doc) => {
  const root = document.querySelector(`.code-editor[data-doc="${doc}"]`);
  const ta = root.querySelector('textarea'), pre = root.querySelector('.ce-highlight');
  const lines = [...pre.querySelectorAll('.ce-line')], nums = [...root.querySelectorAll('.ce-num')];
  const misaligned = nums.filter((n, i) => Math.abs(n.getBoundingClientRect().top - lines[i].getBoundingClientRect().top) > 1).length;
  const principal = lines.find(l => l.textContent.includes('"Principal"'));
  return {cut: ta.scrollWidth - ta.clientWidth, misaligned, lines: nums.length,
          wrapped: lines.filter(l => l.getBoundingClientRect().height > 30).length,
          principalRight: principal ? principal.getBoundingClientRect().right - pre.getBoundingClientRect().right : null,
          preWidth: pre.clientWidth, textWidth: ta.clientWidth};
}"""


def test_editors_wrap_long_lines_at_1366px_and_numbers_follow(page_factory: Callable[..., Page], live_url: str,
                                                                 spec: ScenarioSpec) -> None:
    page = page_factory(viewport={"width": 1366, "height": 768})
    open_scenario(page, live_url)
    replace_text(page, "Account A key policy", spec.solution["key_policy"])  # its Principal line is long
    expect(panel(page).locator('[data-step-index="1"]')).to_have_attribute("data-step-outcome", "failure")
    for doc in ("key_policy", "iam_policy"):
        layout = page.evaluate(EDITOR_LAYOUT, doc)
        assert layout["cut"] <= 0, layout  # nothing to scroll sideways to: no line is cut
        assert layout["misaligned"] == 0, layout  # each number beside its (possibly wrapped) line
        assert layout["preWidth"] == layout["textWidth"], layout  # the copy wraps where the text does
        assert layout["principalRight"] is None or layout["principalRight"] <= 0, layout
    assert page.evaluate(EDITOR_LAYOUT, "key_policy")["wrapped"] >= 1  # the long line wrapped
    page.locator("#editors").screenshot(path=str(SCREENSHOT_DIR / "scenario-editors-1366.png"))


def test_unsolved_scenario_links_to_its_lesson_section(page: Page, live_url: str) -> None:
    open_scenario(page, live_url)
    links = page.locator(".lesson-links")
    expect(links).to_contain_text("In the lesson:")
    expect(links.get_by_role("link", name="Key terms")).to_be_visible()
    page.locator("main > .row").first.screenshot(path=str(SCREENSHOT_DIR / "scenario-lesson-links.png"))
    links.get_by_role("link", name="Worked example: cross-account S3 upload").click()
    expect(page.locator("main h1")).to_contain_text("Worked example")
