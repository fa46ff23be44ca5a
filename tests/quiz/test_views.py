"""Quiz pages through a CSRF-enforcing client and an htmx client: modes, feedback, tampering."""

from __future__ import annotations

import pytest
from django.test import Client

from kmslab.quiz.models import Mode, ReviewCard, Sitting, SittingStatus
from kmslab.quiz.sittings import bank_questions
from tests.quiz.builders import make_sitting, right_answer, wrong_answer


def _start(client, post, **data):
    r = post(client, "/quiz/start/", data)
    assert r.status_code == 302, r.content[:300]
    return Sitting.objects.order_by("-id").first()


def _learner(client) -> str:
    return f"anon:{client.session.session_key}"


def test_index_lists_every_mode(bank, csrf_client):
    r = csrf_client.get("/quiz/")
    assert r.status_code == 200
    for mode in ("practice", "exam", "review", "spaced", "generated"):
        assert f'value="{mode}"'.encode() in r.content


def test_start_without_csrf_token_is_forbidden(bank, csrf_client):
    r = csrf_client.post("/quiz/start/", {"mode": "practice"})
    assert r.status_code == 403
    assert not Sitting.objects.exists()


@pytest.mark.parametrize("data", [{"mode": "nonsense"}, {"mode": "exam", "length": "9999"},
                                  {"mode": "practice", "objective": "7"}, {}],
                         ids=["unknown-mode", "length-not-offered", "objective-out-of-range", "empty"])
def test_start_with_bad_form_is_400_and_creates_nothing(bank, csrf_client, post, data):
    r = post(csrf_client, "/quiz/start/", data)
    assert r.status_code == 400
    assert b"could not start" in r.content
    assert not Sitting.objects.exists()


def test_practice_answer_over_htmx_returns_the_feedback_partial(bank, htmx_client, post):
    s = _start(htmx_client, post, mode="practice")
    item = s.items.get()
    r = post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
    assert r.status_code == 200
    body = r.content.decode()
    assert body.lstrip().startswith('<section id="question-card"')  # the partial, not the whole page
    assert "<html" not in body
    assert "Correct" in body and "Next question" in body
    item.refresh_from_db()
    assert item.correct is True


def test_practice_works_without_javascript_by_plain_post(bank, csrf_client, post):
    s = _start(csrf_client, post, mode="practice")
    item = s.items.get()
    r = post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", wrong_answer(item.payload))
    assert r.status_code == 200
    assert b"<html" in r.content and b"Not correct" in r.content
    r = post(csrf_client, f"/quiz/s/{s.pk}/next/")
    assert r.status_code == 302
    assert s.items.count() == 2
    assert s.items.order_by("position").last().signature != item.signature


def test_practice_next_over_htmx_serves_a_new_question(bank, htmx_client, post):
    s = _start(htmx_client, post, mode="practice")
    item = s.items.get()
    post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
    r = post(htmx_client, f"/quiz/s/{s.pk}/next/")
    assert r.status_code == 200
    assert b'id="question-card"' in r.content and b"Question 2" in r.content


def test_item_from_another_sitting_is_404_and_changes_nothing(bank, csrf_client, post):
    a = _start(csrf_client, post, mode="practice")
    b = _start(csrf_client, post, mode="practice")
    foreign = b.items.get()
    r = post(csrf_client, f"/quiz/s/{a.pk}/item/{foreign.pk}/answer/", right_answer(foreign.payload))
    assert r.status_code == 404
    assert b"not part of this sitting" in r.content
    foreign.refresh_from_db()
    assert foreign.response is None


@pytest.mark.parametrize("data", [{"choice": "zzz"}, {}, {"choice": ["a", "a"]}, {"verdict": "Allowed"}],
                         ids=["not-an-option", "no-answer", "duplicate", "wrong-field"])
def test_answer_that_is_not_an_option_is_400_and_changes_nothing(bank, csrf_client, post, server_clock, data):
    s = make_sitting(_learner_after_visit(csrf_client), ["kp-which-actions-cross-account"], started_at=server_clock())
    item = s.items.get()
    r = post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", data)
    assert r.status_code == 400
    item.refresh_from_db()
    assert item.response is None and item.correct is None


def _learner_after_visit(client) -> str:
    client.get("/quiz/")
    return _learner(client)


def test_replayed_answer_is_409_and_keeps_the_first(bank, csrf_client, post, server_clock):
    s = make_sitting(_learner_after_visit(csrf_client), ["checkpoint-encrypt-size-limit"], started_at=server_clock())
    item = s.items.get()
    url = f"/quiz/s/{s.pk}/item/{item.pk}/answer/"
    assert post(csrf_client, url, wrong_answer(item.payload)).status_code == 200
    r = post(csrf_client, url, right_answer(item.payload))
    assert r.status_code == 409
    item.refresh_from_db()
    assert item.correct is False
    s.refresh_from_db()
    assert (s.correct, s.total) == (0, 1)


def test_another_learners_sitting_is_404(bank, csrf_client, post, server_clock):
    s = make_sitting("anon:someone-else", ["checkpoint-encrypt-size-limit"], started_at=server_clock())
    item = s.items.get()
    assert csrf_client.get(f"/quiz/s/{s.pk}/").status_code == 404
    assert csrf_client.get(f"/quiz/s/{s.pk}/results/").status_code == 404
    r = post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
    assert r.status_code == 404
    assert post(csrf_client, f"/quiz/s/{s.pk}/finish/").status_code == 404
    item.refresh_from_db()
    s.refresh_from_db()
    assert item.response is None and s.status == SittingStatus.OPEN


def test_exam_gives_no_feedback_until_results(bank, csrf_client, post):
    s = _start(csrf_client, post, mode="exam", length="5", minutes="10")
    assert s.items.count() == 5
    assert {i.objective for i in s.items.all()} == {1, 2, 3, 4}  # balanced across objectives
    first = s.items.order_by("position").first()
    r = post(csrf_client, f"/quiz/s/{s.pk}/item/{first.pk}/answer/", right_answer(first.payload))
    assert r.status_code == 302 and r.url == f"/quiz/s/{s.pk}/"
    page = csrf_client.get(r.url).content
    assert b"Question 2 of 5" in page and b"Correct" not in page and b'<progress' in page
    assert csrf_client.get(f"/quiz/s/{s.pk}/results/").status_code == 302  # not before submitting
    r = post(csrf_client, f"/quiz/s/{s.pk}/finish/")
    assert r.url == f"/quiz/s/{s.pk}/results/"
    results = csrf_client.get(r.url).content.decode()
    assert "1 / 5" in results and 'id="breakdown"' in results
    assert results.count("review-item") == 5 and "Not answered" in results


def test_exam_answer_after_finish_is_409(bank, csrf_client, post):
    s = _start(csrf_client, post, mode="exam", length="5", minutes="10")
    post(csrf_client, f"/quiz/s/{s.pk}/finish/")
    item = s.items.first()
    r = post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
    assert r.status_code == 409
    item.refresh_from_db()
    assert item.response is None


def test_exam_late_answer_is_not_counted_and_closes_the_exam(bank, csrf_client, post, server_clock):
    s = _start(csrf_client, post, mode="exam", length="5", minutes="5")
    items = list(s.items.order_by("position"))
    post(csrf_client, f"/quiz/s/{s.pk}/item/{items[0].pk}/answer/", right_answer(items[0].payload))
    server_clock.advance(minutes=5, seconds=31)  # past the limit and the 30 s grace
    r = post(csrf_client, f"/quiz/s/{s.pk}/item/{items[1].pk}/answer/", right_answer(items[1].payload))
    assert r.status_code == 302 and r.url.endswith("/results/")
    s.refresh_from_db()
    assert s.status == SittingStatus.LATE and (s.correct, s.total) == (1, 5)
    items[1].refresh_from_db()
    assert items[1].response is not None and items[1].counted is False  # shown in the review, not scored
    results = csrf_client.get(r.url).content.decode()
    assert "not counted" in results and "1 / 5" in results


def test_exam_answer_within_grace_counts(bank, csrf_client, post, server_clock):
    s = _start(csrf_client, post, mode="exam", length="5", minutes="5")
    item = s.items.order_by("position").first()
    server_clock.advance(minutes=5, seconds=29)
    post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
    item.refresh_from_db()
    assert item.correct is True and item.counted is True


def test_predict_question_is_checked_by_the_engine(bank, htmx_client, post, server_clock):
    s = make_sitting(_learner_after_visit(htmx_client), ["predict-key-policy-guardrail-deny"], started_at=server_clock())
    item = s.items.get()
    r = post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/",
             {"verdict": "ExplicitlyDenied", "statement": ["key_policy:2"]})
    assert r.status_code == 200
    assert b"Correct" in r.content and b"What the simulator says" in r.content
    assert b"DenyDecryptOutsideAccountA" in r.content


def test_predict_statement_not_in_the_policies_is_400(bank, csrf_client, post, server_clock):
    s = make_sitting(_learner_after_visit(csrf_client), ["predict-handshake-complete"], started_at=server_clock())
    item = s.items.get()
    r = post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", {"verdict": "Allowed", "statement": ["key_policy:9"]})
    assert r.status_code == 400


def test_fix_with_malformed_json_gets_a_diagnostic_and_records_nothing(bank, htmx_client, post, server_clock):
    s = make_sitting(_learner_after_visit(htmx_client), ["fix-bobs-iam-policy"], started_at=server_clock())
    item = s.items.get()
    r = post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", {"policy": '{"Version": "2012-10-17", '})
    assert r.status_code == 200
    assert b"Not checked" in r.content and b'aria-invalid="true"' in r.content
    item.refresh_from_db()
    assert item.response is None


def test_fix_accepted_when_the_engine_allows(bank, htmx_client, post, server_clock):
    s = make_sitting(_learner_after_visit(htmx_client), ["fix-alias-resource"], started_at=server_clock())
    item = s.items.get()
    fixed = item.payload["setup"]["identity_policy"]
    text = __import__("json").dumps(fixed).replace(
        "alias/reports", "key/1234abcd-12ab-34cd-56ef-1234567890ab")
    r = post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", {"policy": text})
    assert r.status_code == 200 and b"Correct" in r.content
    item.refresh_from_db()
    assert item.correct is True


def test_review_mode_serves_only_mistakes(bank, csrf_client, post, server_clock):
    key = _learner_after_visit(csrf_client)
    s = make_sitting(key, ["checkpoint-encrypt-size-limit", "checkpoint-key-policy-only"], started_at=server_clock())
    a, b = s.items.order_by("position")
    post(csrf_client, f"/quiz/s/{s.pk}/item/{a.pk}/answer/", wrong_answer(a.payload))
    post(csrf_client, f"/quiz/s/{s.pk}/item/{b.pk}/answer/", right_answer(b.payload))
    review = _start(csrf_client, post, mode="review")
    assert [i.signature for i in review.items.all()] == ["checkpoint-encrypt-size-limit"]
    item = review.items.get()
    post(csrf_client, f"/quiz/s/{review.pk}/item/{item.pk}/answer/", right_answer(item.payload))
    r = post(csrf_client, f"/quiz/s/{review.pk}/next/")
    assert review.items.count() == 1  # nothing left to review
    assert r.status_code == 200 and b"No mistakes left" in r.content


def test_spaced_mode_schedules_a_card_per_answer(bank, csrf_client, post, server_clock):
    s = _start(csrf_client, post, mode="spaced")
    item = s.items.get()
    post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
    card = ReviewCard.objects.get(learner_key=s.learner_key)
    assert card.question_id == item.question_id and card.due > server_clock()


def test_generated_mode_serves_engine_predict_questions(bank, htmx_client, post):
    s = _start(htmx_client, post, mode="generated")
    item = s.items.get()
    assert item.question is None and item.signature.startswith("gen:") and item.payload["type"] == "predict"
    r = post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
    assert r.status_code == 200 and b"Correct" in r.content


def test_history_shows_svg_chart_and_mastery(bank, csrf_client, post):
    s = _start(csrf_client, post, mode="practice")
    item = s.items.get()
    post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
    post(csrf_client, f"/quiz/s/{s.pk}/finish/")
    r = csrf_client.get("/quiz/history/")
    body = r.content.decode()
    assert r.status_code == 200
    assert 'id="score-chart"' in body and 'id="mastery-chart"' in body and "100.0%" in body
    assert "not attempted" in body  # objectives never answered are labelled, not just uncoloured


def test_logged_in_learner_keeps_sittings_across_clients(bank, user, post):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(user)
    second.force_login(user)
    s = _start(first, post, mode="practice")
    assert s.learner_key == f"user:{user.pk}"
    assert second.get(f"/quiz/s/{s.pk}/").status_code == 200


def test_practice_never_repeats_a_question(bank, csrf_client, post):
    served = len(bank_questions(3)) + 2  # the whole objective-3 bank, then generated ones
    s = _start(csrf_client, post, mode="practice", objective="3")
    for _ in range(served - 1):
        item = s.items.filter(response__isnull=True).get()
        post(csrf_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
        post(csrf_client, f"/quiz/s/{s.pk}/next/")
    sigs = list(s.items.values_list("signature", flat=True))
    assert len(sigs) == len(set(sigs)) == served
    assert any(sig.startswith("gen:") for sig in sigs)  # the objective-3 bank ran out; generation continued
    assert s.mode == Mode.PRACTICE


def test_anonymous_sittings_follow_the_learner_after_login(bank, user, post):
    client = Client(enforce_csrf_checks=True)
    s = _start(client, post, mode="practice")
    assert s.learner_key.startswith("anon:")
    r = post(client, "/accounts/login/", {"username": "learner", "password": "correct-horse-battery-staple"})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.learner_key == f"user:{user.pk}"
    assert client.get(f"/quiz/s/{s.pk}/").status_code == 200


def test_refused_answer_over_htmx_returns_the_card_with_the_message(bank, htmx_client, post, server_clock):
    s = make_sitting(_learner_after_visit(htmx_client), ["predict-handshake-complete"], started_at=server_clock())
    item = s.items.get()
    r = post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", {"verdict": "Allowed"})
    assert r.status_code == 200
    assert b'role="alert"' in r.content and b"choose the statement" in r.content and b"Nothing was changed" in r.content
    item.refresh_from_db()
    assert item.response is None


def test_replay_over_htmx_shows_the_recorded_answer(bank, htmx_client, post, server_clock):
    s = make_sitting(_learner_after_visit(htmx_client), ["checkpoint-encrypt-size-limit"], started_at=server_clock())
    item = s.items.get()
    url = f"/quiz/s/{s.pk}/item/{item.pk}/answer/"
    post(htmx_client, url, wrong_answer(item.payload))
    r = post(htmx_client, url, right_answer(item.payload))
    assert b"already answered" in r.content and b"Not correct" in r.content
    item.refresh_from_db()
    assert item.correct is False


def test_practice_shows_a_progress_bar_over_the_bank(bank, htmx_client, post):
    s = _start(htmx_client, post, mode="practice", objective="4")
    item = s.items.get()
    r = post(htmx_client, f"/quiz/s/{s.pk}/item/{item.pk}/answer/", right_answer(item.payload))
    from kmslab.quiz.models import Question

    pool = Question.objects.filter(objective=4, active=True).count()
    assert f'<progress class="quiz-progress flex-grow-1" max="{pool}" value="1"'.encode() in r.content
