"""The quiz cannot be passed without knowing the answers, and it asks as the exam does.

Shuffled options (a learner who always picks the first option, or the option first in the file,
scores near chance), exam formats (no true/false in an exam, Select TWO/THREE exactly), the
reason for every option after answering, results by DVA-C02 domain and task, the checkpoint set,
and the learning loop (mistakes enter spaced repetition; counters that do not move under you).
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest

from kmslab.quiz import scoring, sittings
from kmslab.quiz.models import Mode, Question, ReviewCard, Sitting
from tests.quiz.builders import make_sitting, right_answer, wrong_answer

CHOICE = ("single", "multi", "truefalse")


def _naive(payload, pick):
    """The answer of a learner who knows nothing: `pick` chooses option ids from the list shown."""
    shown = [o["id"] for o in payload["options"]]
    n = len(payload["answer"])
    return scoring.is_correct(payload, {"choices": pick(shown, n)})


def _exam_items(count, length=65):
    items = []
    for seed in range(count):
        s = sittings.start(f"anon:naive{seed}", Mode.EXAM, _now(), length=length, rng=random.Random(seed))
        items += [i for i in s.items.all() if i.payload["type"] in CHOICE]
    return items


def _now():
    from datetime import datetime, timezone

    return datetime(2026, 11, 29, 12, tzinfo=timezone.utc)


def test_always_answering_the_first_displayed_option_scores_near_chance(bank):
    items = _exam_items(30)
    assert len(items) >= 600
    first = sum(_naive(i.payload, lambda shown, n: shown[:n]) for i in items) / len(items)
    # chance: 1/4 for single answers, 1/10 or 1/20 for Select TWO/THREE
    assert first <= 0.33, f"first displayed option scores {first:.0%}"


def test_shuffling_alone_defeats_a_bank_whose_keyed_answers_all_come_first(bank):
    """The old bank had the keyed answer first in every question: the shuffle must still hide it."""
    for q in Question.objects.filter(qtype__in=("single", "multi")):
        q.options = sorted(q.options, key=lambda o: o["id"] not in q.answer)
        q.save(update_fields=["options"])
    items = _exam_items(30)
    first = sum(_naive(i.payload, lambda shown, n: shown[:n]) for i in items) / len(items)
    assert first <= 0.33, f"first displayed option scores {first:.0%}"


def test_always_answering_file_position_a_scores_near_chance(bank):
    items = _exam_items(30)
    letters = sum(_naive(i.payload, lambda shown, n: sorted(shown)[:n]) for i in items) / len(items)
    assert letters <= 0.33, f"option `a` (and b, c for multi) scores {letters:.0%}"


def test_shuffled_order_differs_between_sittings_and_keeps_ids(bank):
    orders = set()
    q = Question.objects.get(slug="checkpoint-encrypt-size-limit")
    for seed in range(12):
        s = make_sitting(f"anon:o{seed}", [], started_at=_now())
        item = sittings._add_item(s, 1, q, q.as_data())
        assert sorted(o["id"] for o in item.payload["options"]) == sorted(o["id"] for o in q.options)
        assert item.payload["answer"] == q.answer
        orders.add(tuple(o["id"] for o in item.payload["options"]))
    assert len(orders) >= 4


def test_displayed_order_is_stable_on_reload_and_in_the_review(bank, csrf_client, post, server_clock):
    from django.utils.html import escape

    key = _learner(csrf_client)
    for seed in range(50):  # a sitting whose first question is a choice question
        s = sittings.start(key, Mode.EXAM, server_clock(), length=10, rng=random.Random(seed))
        current = s.items.order_by("position").first()
        if current.payload["type"] in ("single", "multi"):
            break
    pattern = re.compile(r'name="choice" value="([a-z]+)"')
    page = csrf_client.get(f"/quiz/s/{s.pk}/").content.decode()
    again = csrf_client.get(f"/quiz/s/{s.pk}/").content.decode()
    shown = [o["id"] for o in current.payload["options"]]
    assert pattern.findall(page) == pattern.findall(again) == shown
    for i in s.items.order_by("position"):
        post(csrf_client, f"/quiz/s/{s.pk}/item/{i.pk}/answer/", right_answer(i.payload))
    post(csrf_client, f"/quiz/s/{s.pk}/finish/")
    review = csrf_client.get(f"/quiz/s/{s.pk}/results/").content.decode()
    positions = [review.find(f'<span class="opt-text">{escape(o["text"])}</span>') for o in current.payload["options"]]
    assert -1 not in positions and positions == sorted(positions)  # the review shows the order the learner saw


def test_exam_sittings_never_contain_true_false(bank):
    for seed in range(10):
        s = sittings.start(f"anon:tf{seed}", Mode.EXAM, _now(), length=65, rng=random.Random(seed))
        assert not s.items.filter(payload__type="truefalse").exists()
    assert Question.objects.filter(qtype="truefalse").exists()  # they are in the bank, for practice


def test_practice_can_serve_true_false(bank):
    tf = [q.slug for q in sittings.bank_questions() if q.qtype == "truefalse"]
    assert tf and set(tf) <= {q.slug for q in sittings.bank_questions()}


def _learner(client) -> str:
    client.get("/quiz/")
    return f"anon:{client.session.session_key}"


def test_multi_select_wrong_count_is_refused_and_records_nothing(bank, csrf_client, post):
    s = make_sitting(_learner(csrf_client), ["rb-bucket-policy-too"], started_at=_now())
    item = s.items.get()
    one = item.payload["answer"][:1]
    r = post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", {"choice": one})
    assert r.status_code == 400 and b"choose exactly three answers" in r.content
    item.refresh_from_db()
    assert item.response is None


def test_multi_select_page_says_how_many_to_choose(bank, csrf_client):
    s = make_sitting(_learner(csrf_client), ["iam-s3-upload-actions"], started_at=_now())
    body = csrf_client.get(f"/quiz/s/{s.pk}/").content.decode()
    assert 'data-select="2"' in body and "Choose 2 answers" in body and "(Select TWO.)" in body
    assert body.count('type="checkbox" name="choice"') == 5


def test_feedback_gives_the_reason_for_every_option_and_the_aws_docs(bank, htmx_client, post):
    s = make_sitting(_learner(htmx_client), ["kp-cmk-definition"], started_at=_now())
    item = s.items.get()
    r = post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", wrong_answer(item.payload))
    body = r.content.decode()
    for o in item.payload["options"]:
        assert o["why"].split(":")[0] in body  # "Right" / "Wrong", then the reason
        assert o["why"][-30:].replace("'", "&#x27;") in body
    assert body.count('class="opt-why') == len(item.payload["options"])
    assert "https://docs.aws.amazon.com/" in body


def test_wrong_answer_links_to_the_lesson_section_and_scenario_that_practise_it(bank, htmx_client, post):
    s = make_sitting(_learner(htmx_client), ["kp-root-statement-same-account"], started_at=_now())
    item = s.items.get()
    r = post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", wrong_answer(item.payload))
    body = r.content.decode()
    assert "Practise this point" in body
    assert 'href="/lesson/requirements/"' in body and 'href="/scenarios/same-account-no-root-statement/"' in body


def test_right_answer_does_not_push_practice_links(bank, htmx_client, post):
    s = make_sitting(_learner(htmx_client), ["kp-root-statement-same-account"], started_at=_now())
    item = s.items.get()
    body = post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload)).content.decode()
    assert "Practise this point" not in body


def test_results_break_down_by_domain_and_task(bank, csrf_client, post):
    post(csrf_client, "/quiz/start/", {"mode": "exam", "length": "20", "minutes": "30"})
    s = Sitting.objects.order_by("-id").first()
    for i in s.items.order_by("position"):
        post(csrf_client, f"/quiz/s/{s.pk}/item/{i.pk}/answer/", right_answer(i.payload))
    post(csrf_client, f"/quiz/s/{s.pk}/finish/")
    body = csrf_client.get(f"/quiz/s/{s.pk}/results/").content.decode()
    assert 'id="breakdown-tasks"' in body and "Domain 2: Security" in body
    tasks = {i.payload["task"] for i in s.items.all()}
    for t in tasks:
        assert f"Task {t}:" in body
    assert 'id="breakdown"' in body  # by learning objective too


def test_checkpoint_set_is_offered_and_serves_exactly_the_four_checkpoint_questions(bank, csrf_client, post):
    index = csrf_client.get("/quiz/").content.decode()
    assert 'id="checkpoint"' in index and 'name="topic" value="checkpoint"' in index
    post(csrf_client, "/quiz/start/", {"mode": "practice", "topic": "checkpoint"})
    s = Sitting.objects.order_by("-id").first()
    served = []
    for _ in range(6):
        item = s.items.filter(response__isnull=True).first()
        if item is None:
            break
        served.append(item.signature)
        post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
        post(csrf_client, f"/quiz/s/{s.pk}/next/")
    assert sorted(served) == sorted(q.slug for q in Question.objects.all() if "checkpoint" in q.topics)
    assert len(served) == 4 and all(sig.startswith("checkpoint-") for sig in served)


def test_lesson_checkpoint_page_links_to_the_checkpoint_set(db, client):
    body = client.get("/lesson/checkpoint/").content.decode()
    assert 'href="/quiz/#checkpoint"' in body


@pytest.mark.parametrize("mode", [Mode.PRACTICE, Mode.EXAM])
def test_mistakes_from_practice_and_exams_enter_spaced_repetition(bank, csrf_client, post, server_clock, mode):
    key = _learner(csrf_client)
    s = make_sitting(key, ["kp-cmk-definition", "kp-size-limit"], mode=mode, started_at=server_clock(),
                     time_limit_seconds=600 if mode == Mode.EXAM else None)
    a, b = s.items.order_by("position")
    post(csrf_client, f"/quiz/s/{s.pk}/item/{a.pk}/answer/", wrong_answer(a.payload))
    post(csrf_client, f"/quiz/s/{s.pk}/item/{b.pk}/answer/", right_answer(b.payload))
    cards = list(ReviewCard.objects.filter(learner_key=key))
    assert [c.question.slug for c in cards] == ["kp-cmk-definition"]  # the mistake only
    server_clock.advance(minutes=30)
    index = csrf_client.get("/quiz/").content.decode()
    assert "1 question due now" in index
    post(csrf_client, "/quiz/start/", {"mode": "spaced"})
    spaced = Sitting.objects.order_by("-id").first()
    assert [i.signature for i in spaced.items.all()] == ["kp-cmk-definition"]  # the due mistake is served


def test_review_mistakes_counter_does_not_move_under_the_learner(bank, csrf_client, post, server_clock):
    key = _learner(csrf_client)
    slugs = ["kp-cmk-definition", "kp-size-limit", "flow-gdk-returns"]
    s = make_sitting(key, slugs, started_at=server_clock())
    for i in s.items.order_by("position"):
        post(csrf_client, f"/quiz/s/{s.pk}/item/{i.pk}/answer/", wrong_answer(i.payload))
    assert "3 questions you last answered wrongly" in csrf_client.get("/quiz/").content.decode()
    post(csrf_client, "/quiz/start/", {"mode": "review"})
    review = Sitting.objects.order_by("-id").first()
    page = csrf_client.get(f"/quiz/s/{review.pk}/").content.decode()
    assert "0 of 3 answered" in page
    for n in (1, 2, 3):
        item = review.items.filter(response__isnull=True).get()
        answer = right_answer(item.payload) if n == 1 else wrong_answer(item.payload)
        r = post(csrf_client, f"/quiz/s/{review.pk}/item/{item.pk}/answer/", answer)
        assert f"{n} of 3 answered" in r.content.decode()
        post(csrf_client, f"/quiz/s/{review.pk}/next/")
    assert review.items.count() == 3


def test_spaced_repetition_says_what_it_will_do_when_nothing_is_due(bank, csrf_client):
    body = csrf_client.get("/quiz/").content.decode()
    assert "0 questions due now" in body and "introduces one new question" in body


def test_generated_items_carry_domain_and_task(bank):
    from kmslab.quiz import generator

    q = generator.generate(3)
    assert q["domain"] == 2 and q["task"] in ("2.1", "2.2")
    assert timedelta(0) == timedelta(0)


def test_spaced_repetition_says_when_it_serves_a_new_question(bank, csrf_client, post, server_clock):
    post(csrf_client, "/quiz/start/", {"mode": "spaced"})
    s = Sitting.objects.order_by("-id").first()
    page = csrf_client.get(f"/quiz/s/{s.pk}/").content.decode()
    assert 'id="spaced-new"' in page  # "0 due" on the home page, and the page says why a question came
    item = s.items.get()
    r = post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", wrong_answer(item.payload))
    assert 'id="spaced-new"' not in r.content.decode()
