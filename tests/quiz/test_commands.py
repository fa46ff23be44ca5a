"""loadquestions / exportquestions as `make run` and an editor use them; the admin lists questions."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from kmslab.quiz.models import Question


def test_loadquestions_reports_counts(db, capsys):
    call_command("loadquestions")
    call_command("loadquestions")
    out = capsys.readouterr().out
    assert "0 created, 0 updated" in out.splitlines()[-1]
    assert Question.objects.filter(active=True).count() >= 44


def test_loadquestions_bad_file_is_a_command_error_naming_the_place(db, tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"questions": [{"slug": "x", "type": "single"}]}))
    with pytest.raises(CommandError, match=r"bad.json: questions\[0\] \(x\)\.objective"):
        call_command("loadquestions", "--dir", str(tmp_path))
    assert not Question.objects.exists()


def test_admin_can_list_and_edit_questions(db, admin_client):
    call_command("loadquestions")
    assert admin_client.get("/admin/quiz/question/").status_code == 200
    q = Question.objects.get(slug="checkpoint-encrypt-size-limit")
    assert admin_client.get(f"/admin/quiz/question/{q.pk}/change/").status_code == 200


@pytest.mark.parametrize(("field", "value", "message"), [
    ("answer", ["zz"], "is not an option"),
    ("setup", {"key_policy": {"Statement": 5}, "caller": "arn:aws:iam::111111111111:user/bob", "action": "kms:Decrypt",
               "key_arn": "arn:aws:kms:us-east-1:222222222222:key/k"}, "only predict and fix"),
], ids=["answer-not-option", "setup-on-choice-question"])
def test_admin_edit_is_validated_like_the_files(db, admin_client, field, value, message):
    from django.core.exceptions import ValidationError

    call_command("loadquestions")
    q = Question.objects.get(slug="checkpoint-encrypt-size-limit")
    setattr(q, field, value)
    with pytest.raises(ValidationError, match=message):
        q.full_clean()


def test_admin_edit_of_a_predict_setup_the_engine_cannot_read_is_refused(db):
    from django.core.exceptions import ValidationError

    call_command("loadquestions")
    q = Question.objects.get(slug="predict-handshake-complete")
    q.setup = {**q.setup, "caller": "not-an-arn"}
    with pytest.raises(ValidationError, match="setup"):
        q.full_clean()


def test_loadquestions_refuses_an_option_without_its_reason_naming_slug_and_field(db, tmp_path):
    doc = [{"url": "https://docs.aws.amazon.com/kms/latest/developerguide/grants.html", "title": "Grants"}]
    options = [{"id": i, "text": f"Option {i}", "why": f"Because option {i} is specific."} for i in "abcd"]
    del options[2]["why"]
    q = {"slug": "no-reason", "type": "single", "objective": 1, "domain": 2, "task": "2.1", "prompt": "p",
         "options": options, "answer": ["a"], "explanation": "e", "links": doc}
    (tmp_path / "bad.json").write_text(json.dumps({"questions": [q]}))
    with pytest.raises(CommandError, match=r"bad.json: questions\[0\] \(no-reason\)\.options\[2\]\.why: option `c`"):
        call_command("loadquestions", "--dir", str(tmp_path))
    assert not Question.objects.exists()
