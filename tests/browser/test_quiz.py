"""The quiz in Chromium: a whole timed exam to its results page, htmx practice without reloads,
the history chart; axe-core audits and screenshots of each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kmslab.quiz.loader import load_questions
from kmslab.quiz.models import Item
from tests.browser.conftest import PHONE, axe_audit, screenshot
from tests.quiz.builders import right_answer, wrong_answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def questions() -> None:
    load_questions()


def _current_item(page: Page) -> Item:
    action = page.locator('#question-card form[action*="/item/"]').get_attribute("action") or ""
    match = re.search(r"/item/(\d+)/answer/", action)
    assert match, action
    return Item.objects.get(pk=int(match.group(1)))


def _fill(page: Page, data: dict[str, object]) -> None:
    card = page.locator("#question-card")
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        if name == "policy":
            card.locator("textarea[name=policy]").fill(str(values[0]))
            continue
        for v in values:
            card.locator(f'input[name="{name}"][value="{v}"]').check()


def test_quiz_whole_exam_to_results(page: Page, live_url: str) -> None:
    page.goto(live_url + "/quiz/")
    axe_audit(page)
    screenshot(page, "quiz-index")
    page.locator("#exam-length").select_option("5")
    page.locator("#exam-minutes").select_option("10")
    page.get_by_role("button", name="Start exam").click()
    expect(page.locator("#quiz-timer")).to_contain_text("Time left")
    for n in range(1, 6):
        expect(page.locator("#question-heading")).to_have_text(f"Question {n} of 5")
        expect(page.locator("progress.quiz-progress")).to_have_attribute("value", str(n - 1))
        if n == 1:
            axe_audit(page)
            screenshot(page, "quiz-exam-question")
        item = _current_item(page)
        _fill(page, wrong_answer(item.payload) if n == 2 else right_answer(item.payload))
        expect(page.locator("#question-card .quiz-feedback")).to_have_count(0)  # no feedback during an exam
        page.get_by_role("button", name="Save answer and continue").click()
    page.get_by_role("button", name="Submit exam").click()
    expect(page).to_have_url(re.compile(r"/quiz/s/\d+/results/$"))
    expect(page.locator("#score")).to_contain_text("4 / 5")
    expect(page.locator("#score")).to_contain_text("80.0%")
    expect(page.locator("#breakdown tbody tr")).to_have_count(4)  # a 5-question exam covers every objective
    expect(page.locator(".review-item")).to_have_count(5)
    expect(page.locator(".review-item .quiz-feedback.is-wrong")).to_have_count(1)
    expect(page.locator(".review-item .quiz-explanation")).to_have_count(5)
    axe_audit(page)
    screenshot(page, "quiz-exam-results")
    page.get_by_role("link", name="History").click()
    expect(page.locator("#score-chart")).to_be_visible()
    expect(page.locator("#history-table tbody tr")).to_have_count(1)
    axe_audit(page)
    screenshot(page, "quiz-history")


def test_quiz_practice_feedback_arrives_without_reload(page: Page, live_url: str) -> None:
    page.goto(live_url + "/quiz/")
    page.get_by_role("button", name="Start practice").click()
    page.evaluate("window.__noReload = true")
    item = _current_item(page)
    _fill(page, right_answer(item.payload))
    page.locator("#question-card button[type=submit]").click()
    expect(page.locator("#question-card .quiz-feedback")).to_contain_text("Correct")
    expect(page.locator("#question-card .quiz-feedback")).to_be_focused()  # focus follows the swap
    assert page.evaluate("window.__noReload") is True
    axe_audit(page)
    screenshot(page, "quiz-practice-feedback")
    page.get_by_role("button", name="Next question").click()
    expect(page.locator("#question-heading")).to_have_text("Question 2")
    assert page.evaluate("window.__noReload") is True


def test_quiz_generated_predict_question_on_a_phone(page_factory, live_url: str) -> None:
    page = page_factory(viewport=PHONE, color_scheme="dark")
    page.goto(live_url + "/quiz/")
    page.get_by_role("button", name="Start predicting").click()
    expect(page.locator("#question-card")).to_contain_text("Predict the decision")
    item = _current_item(page)
    _fill(page, wrong_answer(item.payload))
    page.locator("#question-card button[type=submit]").click()
    expect(page.locator("#question-card .quiz-feedback")).to_contain_text("Not correct")
    expect(page.locator("#question-card .engine-sentences li").first).to_be_visible()
    axe_audit(page)
    screenshot(page, "quiz-generated-phone-dark")


def test_quiz_rejected_answer_then_corrected_keeps_the_csp_clean(page: Page, live_url: str) -> None:
    # A half-filled prediction is refused with a message; the swap that follows must not write inline
    # styles (htmx settles `style` by default, which our CSP blocks: the page fixture fails on that).
    page.goto(live_url + "/quiz/")
    page.get_by_role("button", name="Start predicting").click()
    item = _current_item(page)
    answer = right_answer(item.payload)
    def submit_and_wait_for_the_swap() -> None:
        page.locator("#question-card").evaluate("card => card.dataset.before = 'swap'")
        page.locator("#question-card button[type=submit]").click()
        expect(page.locator("#question-card:not([data-before])")).to_be_attached()  # the new card is in

    for _ in range(2):
        page.locator(f'#question-card input[name="verdict"][value="{answer["verdict"]}"]').check()
        submit_and_wait_for_the_swap()
        expect(page.locator("#question-card")).to_contain_text("That answer was not accepted")
    _fill(page, answer)
    submit_and_wait_for_the_swap()
    expect(page.locator("#question-card .quiz-feedback")).to_contain_text("Correct")


def _practice_with(page: Page, live_url: str, slug: str) -> Item:
    """A practice sitting started in the page, whose current question is `slug` (options shuffled)."""
    from kmslab.quiz import sittings
    from kmslab.quiz.models import Question, Sitting

    page.goto(live_url + "/quiz/")
    page.get_by_role("button", name="Start practice").click()
    expect(page.locator("#question-heading")).to_have_text("Question 1")
    s = Sitting.objects.order_by("-id").first()
    s.items.all().delete()
    q = Question.objects.get(slug=slug)
    item = sittings._add_item(s, 1, q, q.as_data())
    page.reload()
    return item


def test_quiz_multi_select_takes_exactly_the_count_and_explains_every_option(page: Page, live_url: str) -> None:
    item = _practice_with(page, live_url, "rb-bucket-policy-too")  # (Select THREE.)
    card = page.locator("#question-card")
    expect(card).to_contain_text("(Select THREE.)")
    expect(card.locator("legend")).to_have_text("Choose 3 answers")
    shown = [o["id"] for o in item.payload["options"]]
    boxes = card.locator('input[name="choice"]')
    assert [boxes.nth(i).get_attribute("value") for i in range(boxes.count())] == shown  # the stored order
    right = item.payload["answer"]
    wrong = [i for i in shown if i not in right]
    for v in right[:2]:
        card.locator(f'input[name="choice"][value="{v}"]').check()
    expect(card.locator(".quiz-select-count")).to_have_text("2 of 3 chosen: choose 1 more.")
    card.locator(f'input[name="choice"][value="{wrong[0]}"]').check()
    expect(card.locator(".quiz-select-count")).to_have_text("3 of 3 chosen.")
    for v in [right[2]] + wrong[1:]:
        expect(card.locator(f'input[name="choice"][value="{v}"]')).to_be_disabled()  # as in the exam
    axe_audit(page)
    screenshot(page, "quiz-multi-select")
    card.locator(f'input[name="choice"][value="{wrong[0]}"]').uncheck()
    card.locator(f'input[name="choice"][value="{right[2]}"]').check()
    card.locator("button[type=submit]").click()
    feedback = page.locator("#question-card .quiz-feedback")
    expect(feedback).to_contain_text("Correct")
    expect(feedback.locator(".opt-why")).to_have_count(6)
    for o in item.payload["options"]:
        expect(feedback).to_contain_text(o["why"])
    expect(feedback.locator('a[href^="https://docs.aws.amazon.com/"]').first).to_be_visible()
    axe_audit(page)
    screenshot(page, "quiz-multi-select-feedback")


def test_quiz_wrong_answer_shows_reasons_and_where_to_practise(page_factory, live_url: str) -> None:
    page = page_factory(viewport=PHONE)
    item = _practice_with(page, live_url, "kp-root-statement-same-account")
    _fill(page, wrong_answer(item.payload))
    page.locator("#question-card button[type=submit]").click()
    feedback = page.locator("#question-card .quiz-feedback")
    expect(feedback).to_contain_text("Not correct")
    expect(feedback.locator(".opt-why")).to_have_count(4)
    practice = feedback.locator(".quiz-practice")
    expect(practice.get_by_role("link", name=re.compile("^Lesson: "))).to_have_attribute("href", "/lesson/requirements/")
    expect(practice.get_by_role("link", name=re.compile("^Scenario: "))).to_have_attribute(
        "href", "/scenarios/same-account-no-root-statement/")
    axe_audit(page)
    screenshot(page, "quiz-wrong-answer-phone")


def test_quiz_exam_review_gives_reasons_and_the_domain_breakdown(page: Page, live_url: str) -> None:
    page.goto(live_url + "/quiz/")
    page.locator("#exam-length").select_option("10")
    page.get_by_role("button", name="Start exam").click()
    for n in range(1, 11):
        expect(page.locator("#question-heading")).to_have_text(f"Question {n} of 10")
        item = _current_item(page)
        assert item.payload["type"] != "truefalse"
        _fill(page, wrong_answer(item.payload) if n % 3 == 0 else right_answer(item.payload))
        page.get_by_role("button", name="Save answer and continue").click()
    page.get_by_role("button", name="Submit exam").click()
    expect(page).to_have_url(re.compile(r"/quiz/s/\d+/results/$"))
    expect(page.locator("#breakdown-tasks")).to_contain_text("Domain 2: Security")
    choice = [i for i in Item.objects.filter(sitting__status="finished") if i.payload["type"] in ("single", "multi")]
    expect(page.locator(".review-item .opt-why")).to_have_count(sum(len(i.payload["options"]) for i in choice))
    axe_audit(page)
    screenshot(page, "quiz-review-with-reasons")
    from tests.browser.conftest import SCREENSHOT_DIR

    page.locator("#breakdown-tasks").screenshot(path=str(SCREENSHOT_DIR / "quiz-review-domains.png"))
    wrong = page.locator(".review-item:has(.quiz-feedback.is-wrong .opt-why)").first
    wrong.screenshot(path=str(SCREENSHOT_DIR / "quiz-review-wrong-item.png"))
