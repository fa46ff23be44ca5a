"""Reading answers (tampering refused) and scoring them."""

from __future__ import annotations

import json

import pytest
from django.http import QueryDict

from kmslab.quiz import bank, engine
from kmslab.quiz.scoring import AnswerError, breakdown, is_correct, read_response

BY_SLUG = {q["slug"]: q for qs in bank.read_bank().values() for q in qs}


def qd(**data) -> QueryDict:
    q = QueryDict(mutable=True)
    for k, v in data.items():
        q.setlist(k, v if isinstance(v, list) else [v])
    return q


def test_multi_select_is_all_or_nothing_with_exactly_the_count_asked():
    q = BY_SLUG["kp-which-actions-cross-account"]  # (Select THREE.)
    right = list(q["answer"])
    wrong = [o["id"] for o in q["options"] if o["id"] not in right]
    assert len(right) == 3 and q["prompt"].endswith("(Select THREE.)")
    assert is_correct(q, read_response(q, qd(choice=right)).response)
    assert not is_correct(q, read_response(q, qd(choice=right[:2] + wrong[:1])).response)  # two of three: zero
    for count in (2, 4):  # the exam takes exactly three
        with pytest.raises(AnswerError, match=f"choose exactly three answers \\(you chose {count}\\)"):
            read_response(q, qd(choice=(right + wrong)[:count]))


def test_true_false_has_true_and_false_options_with_reasons():
    q = BY_SLUG["kp-iam-groups-not-principals"]
    assert [o["id"] for o in q["options"]] == ["true", "false"] and all(o["why"] for o in q["options"])
    assert is_correct(q, read_response(q, qd(choice="false")).response)
    assert not is_correct(q, read_response(q, qd(choice="true")).response)


@pytest.mark.parametrize(("slug", "data", "message"), [
    ("checkpoint-encrypt-size-limit", {"choice": "z"}, "not one of this question's options"),
    ("checkpoint-encrypt-size-limit", {"choice": ["a", "b"]}, "exactly one"),
    ("kp-which-actions-cross-account", {}, "exactly three"),
    ("predict-handshake-complete", {"verdict": "Maybe", "statement": "none"}, "choose one decision"),
    ("predict-handshake-complete", {"verdict": "Allowed"}, "choose the statement"),
    ("predict-handshake-complete", {"verdict": "Allowed", "statement": ["none", "key_policy:0"]}, "cannot be combined"),
    ("fix-bobs-iam-policy", {"policy": ["{}", "{}"]}, "one `policy` field"),
], ids=["not-option", "two-singles", "empty-multi", "bad-verdict", "no-statement", "none-plus-statement", "two-policies"])
def test_tampered_answer_raises(slug, data, message):
    with pytest.raises(AnswerError, match=message):
        read_response(BY_SLUG[slug], qd(**data))


def test_predict_needs_verdict_and_statements():
    q = BY_SLUG["predict-handshake-complete"]
    right = {"verdict": "Allowed", "statements": ["identity_policy:0", "key_policy:1"]}
    assert is_correct(q, right)
    assert not is_correct(q, {**right, "statements": ["key_policy:1"]})
    assert not is_correct(q, {**right, "verdict": "ImplicitlyDenied"})


def test_fix_scored_by_engine_and_too_broad_edit_is_wrong():
    q = BY_SLUG["fix-open-the-key-policy"]
    doc = q["setup"]["key_policy"]
    narrow = {**doc, "Statement": doc["Statement"] + [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                                                        "Action": "kms:Decrypt", "Resource": "*"}]}
    broad = {**doc, "Statement": doc["Statement"] + [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}
    assert is_correct(q, {"text": json.dumps(narrow)})
    assert not is_correct(q, {"text": json.dumps(broad)})  # carol would get in
    assert engine.check_fix(q["setup"], json.dumps(broad)).too_broad
    assert not is_correct(q, {"text": json.dumps(doc)})


def test_fix_that_does_not_parse_is_a_diagnostic_not_an_answer():
    parsed = read_response(BY_SLUG["fix-bobs-iam-policy"], qd(policy='{"Statement": ['))
    assert parsed.response is None and parsed.diagnostic


def test_fix_with_a_lone_surrogate_escape_is_the_scenarios_diagnostic():
    """One rule for a lone surrogate (kmslab.textsafe): the quiz refuses the document as a run does,
    naming the escape, instead of reading it as U+FFFD."""
    q = BY_SLUG["fix-bobs-iam-policy"]
    doc = json.loads(engine.policy_text(q["setup"][q["setup"]["editable"]]))
    doc["Statement"][0]["Sid"] = "x"
    text = json.dumps(doc).replace('"Sid": "x"', '"Sid": "\\ud800"')
    assert "\\ud800" in text
    parsed = read_response(q, qd(policy=text))
    assert parsed.response is None and "\\ud800" in parsed.diagnostic and "lone surrogate" in parsed.diagnostic
    assert not is_correct(q, {"text": text})


def test_fix_huge_submission_is_a_diagnostic():
    parsed = read_response(BY_SLUG["fix-bobs-iam-policy"], qd(policy="x" * 50_000))
    assert parsed.response is None and "at most" in parsed.diagnostic


def test_breakdown_by_domain_and_task_in_exam_guide_order():
    from kmslab.quiz.scoring import breakdown_by_domain, breakdown_by_task

    tasks = breakdown_by_task([(4, "4.1", True, True), (2, "2.2", False, True), (2, "2.1", True, True),
                               (2, "2.1", True, False), (2, "2.2", None, True)])
    assert [(t.task, t.correct, t.total) for t in tasks] == [("2.1", 1, 2), ("2.2", 0, 2), ("4.1", 1, 1)]
    domains = breakdown_by_domain(tasks)
    assert [(d.domain, d.correct, d.total, d.percent) for d in domains] == [(2, 1, 4, 25.0), (4, 1, 1, 100.0)]


def test_breakdown_counts_unanswered_and_late_as_zero():
    rows = {r.objective: r for r in breakdown([(1, True, True), (1, None, True), (2, True, False), (3, False, True)])}
    assert (rows[1].correct, rows[1].total, rows[1].percent) == (1, 2, 50.0)
    assert (rows[2].correct, rows[2].total) == (0, 1)
    assert rows[4].total == 0 and rows[4].percent == 0.0
