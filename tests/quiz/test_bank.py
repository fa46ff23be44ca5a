"""The shipped question bank: content rules, file format checks, load/export round trip."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from kmslab.quiz import bank
from kmslab.quiz.loader import load_questions
from kmslab.quiz.models import Question

SHIPPED = [q for qs in bank.read_bank().values() for q in qs]
AWS_DOC = re.compile(r"https://docs\.aws\.amazon\.com/\S+")


def test_bank_has_the_four_checkpoint_questions_and_sixty_more():
    checkpoint = [q for q in SHIPPED if "checkpoint" in q["topics"] and q["slug"].startswith("checkpoint-")]
    assert len(checkpoint) == 4
    assert len(SHIPPED) - len(checkpoint) >= 60


def test_checkpoint_questions_link_to_the_lesson_checkpoint():
    for q in SHIPPED:
        if q["slug"].startswith("checkpoint-"):
            assert any(link["url"] == "/lesson/checkpoint/" for link in q["links"]), q["slug"]


def test_checkpoint_encrypt_limit_is_4096_bytes():
    q = next(q for q in SHIPPED if q["slug"] == "checkpoint-encrypt-size-limit")
    right = next(o["text"] for o in q["options"] if o["id"] == q["answer"][0])
    assert "4,096 bytes" in right and "4,096 bytes" in q["explanation"]


def test_bank_covers_every_objective_type_and_topic():
    assert Counter(q["objective"] for q in SHIPPED).keys() == {1, 2, 3, 4}
    assert min(Counter(q["objective"] for q in SHIPPED).values()) >= 8
    assert {q["type"] for q in SHIPPED} == set(bank.TYPES)
    topics = {t for q in SHIPPED for t in q["topics"]}
    assert {"glossary", "requirements", "envelope-encryption", "exam-trap"} <= topics


@pytest.mark.parametrize("q", [q for q in SHIPPED if q["type"] in ("single", "multi", "truefalse")],
                         ids=lambda q: q["slug"])
def test_hand_written_question_cites_an_aws_doc(q):
    cited = AWS_DOC.findall(q["explanation"]) + [link["url"] for link in q["links"] if link["url"].startswith("https://")]
    assert cited, f"{q['slug']} cites no AWS documentation"


@pytest.mark.parametrize("q", SHIPPED, ids=lambda q: q["slug"])
def test_lesson_links_name_real_sections(q):
    from kmslab.lessons.content import sections

    slugs = {s.slug for s in sections()}
    for link in q["links"]:
        if link["url"].startswith("/lesson/"):
            assert link["url"].split("/")[2] in slugs, link["url"]


def _write(tmp_path: Path, questions: object) -> Path:
    (tmp_path / "x.json").write_text(json.dumps({"questions": questions}))
    return tmp_path


DOC = [{"url": "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html", "title": "Key policies"}]
OPTS = [{"id": i, "text": i.upper(), "why": f"Because option {i} says something specific."} for i in "abcdef"]
GOOD = {"slug": "ok", "type": "single", "objective": 1, "domain": 2, "task": "2.1", "prompt": "p", "options": OPTS[:4],
        "answer": ["a"], "explanation": "e", "links": DOC}
MULTI = {**GOOD, "type": "multi", "prompt": "Which two? (Select TWO.)", "options": OPTS[:5], "answer": ["a", "c"]}


@pytest.mark.parametrize(("change", "message"), [
    ({"answer": ["e"]}, "`e` is not an option"),
    ({"objective": 5}, "must be 1, 2, 3 or 4"),
    ({"type": "essay"}, "`essay` is not one of"),
    ({"answer": ["a", "b"]}, "exactly one answer"),
    ({"options": [OPTS[0], {**OPTS[1], "id": "a"}, *OPTS[2:4]]}, "ids must be distinct"),
    ({"options": [OPTS[0], {**OPTS[1], "text": "a"}, *OPTS[2:4]]}, "texts must be distinct"),
    ({"slug": "Bad Slug"}, "lowercase"),
    ({"explanation": ""}, "explanation: is required"),
    ({"colour": "red"}, "unknown field `colour`"),
    ({"type": "predict"}, "has no options or answer"),
    ({"options": [{"id": "a", "text": "A"}, *OPTS[1:4]]}, "(ok).options[0].why: option `a` needs a reason"),
    ({"options": [{**OPTS[0], "why": "This is incorrect."}, *OPTS[1:4]]}, "say specifically why"),
    ({"options": OPTS[:3]}, "exactly 4 options, not 3"),
    ({"domain": None}, "(ok).domain: is required"),
    ({"task": "9.9"}, "(ok).task: is required: a DVA-C02 task"),
    ({"task": "1.1"}, "task 1.1 is not in domain 2"),
    ({"links": [{"url": "/lesson/glossary/", "title": "Lesson"}]}, "(ok).links: needs at least one AWS documentation link"),
    ({"practice": {"lesson": "Big Idea"}}, "(ok).practice.lesson: must be a slug"),
    ({"practice": {"video": "x"}}, "(ok).practice: must be"),
    ({**MULTI, "prompt": "Which two?"}, "(ok).prompt: a `multi` question with 2 answers ends with `(Select TWO.)`"),
    ({**MULTI, "answer": ["a", "b", "c"]}, "5 options with 2 correct or 6 with 3, not 5 with 3"),
    ({"type": "truefalse", "options": OPTS[:2], "answer": ["a"]}, "the options `true` and `false`"),
], ids=["answer-not-option", "objective", "type", "single-two-answers", "dup-ids", "dup-texts", "slug", "no-explanation",
        "unknown-field", "predict-with-answer", "no-why", "vague-why", "three-options", "no-domain", "bad-task",
        "task-other-domain", "no-aws-doc", "practice-slug", "practice-key", "multi-no-select-two", "multi-shape",
        "truefalse-options"])
def test_bad_question_file_is_refused_with_one_line(tmp_path, change, message):
    with pytest.raises(bank.BankError) as info:
        bank.read_bank(_write(tmp_path, [{**GOOD, **change}]))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_not_json_is_refused(tmp_path):
    (tmp_path / "x.json").write_text("{nope")
    with pytest.raises(bank.BankError, match="not valid JSON"):
        bank.read_bank(tmp_path)


def test_duplicate_slug_across_files_is_refused(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"questions": [GOOD]}))
    (tmp_path / "b.json").write_text(json.dumps({"questions": [GOOD]}))
    with pytest.raises(bank.BankError, match="also in a.json"):
        bank.read_bank(tmp_path)


def test_predict_setup_the_engine_cannot_read_is_refused(db, tmp_path):
    setup = {"key_policy": {"Version": "2012-10-17", "Statement": "nope"}, "caller": "arn:aws:iam::111111111111:user/bob",
             "action": "kms:Decrypt", "key_arn": "arn:aws:kms:us-east-1:222222222222:key/k"}
    q = {"slug": "p", "type": "predict", "objective": 1, "domain": 2, "task": "2.1", "prompt": "p", "explanation": "e",
         "links": DOC, "setup": setup}
    with pytest.raises(bank.BankError, match=r"\(p\)\.setup"):
        load_questions(_write(tmp_path, [q]))


def test_loadquestions_is_idempotent(db):
    first = load_questions()
    second = load_questions()
    assert len(first.created) == len(SHIPPED)
    assert len(second.unchanged) == len(SHIPPED) and not second.created and not second.updated


def test_admin_edit_is_kept_when_its_file_changes_too(db, tmp_path):
    load_questions(_write(tmp_path, [GOOD]))
    Question.objects.filter(slug="ok").update(prompt="edited in the admin")
    load_questions(_write(tmp_path, [GOOD]))  # file unchanged: the edit stays
    assert Question.objects.get(slug="ok").prompt == "edited in the admin"
    report = load_questions(_write(tmp_path, [{**GOOD, "prompt": "new file text"}]))
    assert report.kept_admin_edits == ["ok"]
    assert Question.objects.get(slug="ok").prompt == "edited in the admin"
    load_questions(_write(tmp_path, [{**GOOD, "prompt": "new file text"}]), force=True)
    assert Question.objects.get(slug="ok").prompt == "new file text"


def test_question_removed_from_files_is_deactivated(db, tmp_path):
    load_questions(_write(tmp_path, [GOOD, {**GOOD, "slug": "gone"}]))
    report = load_questions(_write(tmp_path, [GOOD]))
    assert report.deactivated == ["gone"]
    assert not Question.objects.get(slug="gone").active


def test_export_then_load_round_trips_the_shipped_bank(db, tmp_path):
    call_command("loadquestions")
    call_command("exportquestions", str(tmp_path))
    exported = bank.read_bank(tmp_path)
    assert exported == bank.read_bank()
    for name in exported:  # byte-identical to the shipped files, too
        assert (tmp_path / name).read_text() == (bank.QUESTIONS_DIR / name).read_text()


# The exam-fit rules of the shipped bank (issue 13): each would catch a defect coming back.
CHOICE_ITEMS = [q for q in SHIPPED if q["type"] in bank.CHOICE_TYPES]


def test_true_false_is_at_most_a_tenth_of_the_bank():
    tf = [q["slug"] for q in SHIPPED if q["type"] == "truefalse"]
    assert len(tf) <= 0.10 * len(SHIPPED), tf


def test_single_answer_items_have_four_options_and_multi_items_say_how_many():
    for q in CHOICE_ITEMS:
        if q["type"] == "single":
            assert len(q["options"]) == 4, q["slug"]
        if q["type"] == "multi":
            word = {2: "TWO", 3: "THREE"}[len(q["answer"])]
            assert q["prompt"].endswith(f"(Select {word}.)"), q["slug"]
            assert len(q["options"]) == {2: 5, 3: 6}[len(q["answer"])], q["slug"]


def test_keyed_answers_are_spread_over_file_positions():
    """The unshuffled order must not be a tell either (the old bank keyed `a` in every question)."""
    singles = [q for q in CHOICE_ITEMS if q["type"] == "single"]
    positions = Counter([o["id"] for o in q["options"]].index(q["answer"][0]) for q in singles)
    assert len(positions) == 4 and max(positions.values()) <= 0.35 * len(singles), positions
    first = sum(q["options"][0]["id"] in q["answer"] for q in CHOICE_ITEMS if q["type"] != "truefalse")
    assert first <= 0.4 * sum(q["type"] != "truefalse" for q in CHOICE_ITEMS)


def test_every_option_has_its_own_specific_reason():
    for q in CHOICE_ITEMS:
        whys = [o["why"].strip().lower() for o in q["options"]]
        assert len(set(whys)) == len(whys), q["slug"]  # no reason copied from option to option
        for o in q["options"]:
            assert len(o["why"].split()) >= 5 and o["why"].strip() != o["text"].strip(), (q["slug"], o["id"])


def test_every_item_names_its_domain_task_and_an_aws_doc():
    for q in SHIPPED:
        assert q["task"] in bank.TASKS and q["task"].startswith(f"{q['domain']}.")
        assert any(link["url"].startswith("https://docs.aws.amazon.com/") for link in q["links"]), q["slug"]


def test_practice_links_name_real_lesson_sections_and_scenarios():
    from kmslab.lessons.content import sections
    from scenarios.loader import scenario_files
    from scenarios.spec import load_spec

    lessons = {s.slug for s in sections()}
    scenarios = {load_spec(p).slug for p in scenario_files()}
    for q in SHIPPED:
        practice = q["practice"]
        if "lesson" in practice:
            assert practice["lesson"] in lessons, (q["slug"], practice)
        if "scenario" in practice:
            assert practice["scenario"] in scenarios, (q["slug"], practice)
    assert sum(bool(q["practice"]) for q in SHIPPED) >= 0.9 * len(SHIPPED)


def test_checkpoint_topic_is_exactly_the_study_guides_four_questions():
    assert sorted(q["slug"] for q in SHIPPED if "checkpoint" in q["topics"]) == sorted(
        q["slug"] for q in SHIPPED if q["slug"].startswith("checkpoint-"))


def test_flawed_items_named_in_the_review_stay_fixed():
    by = {q["slug"]: q for q in SHIPPED}
    keyed = lambda q: " ".join(o["text"] for o in q["options"] if o["id"] in q["answer"])  # noqa: E731
    bucket = by["rb-bucket-policy-too"]
    assert not bucket["explanation"].startswith("Four:") and len(bucket["answer"]) == 3
    assert "grant" in keyed(by["kp-every-key-has-one-policy"]).lower()
    assert "kms:ViaService" in keyed(by["rb-key-policy-principal-star-conditions"])
    deny = by["predict-iam-deny-wins"]["setup"]["identity_policy"]["Statement"]
    for s in deny:
        if re.search(r"hour|time|night|weekend", s.get("Sid", ""), re.I):
            assert "aws:CurrentTime" in json.dumps(s.get("Condition", {})), s["Sid"]
    assert by["iam-assumed-role"]["objective"] == 1  # a key policy principal question
    assert by["iam-grant-temporary"]["objective"] != 2 and by["iam-grant-cannot-deny"]["objective"] != 2


def test_the_longest_or_shortest_option_is_no_tell():
    singles = [q for q in CHOICE_ITEMS if q["type"] == "single"]

    def keyed_is(extreme):
        n = 0
        for q in singles:
            lengths = {o["id"]: len(o["text"]) for o in q["options"]}
            key = q["answer"][0]
            n += all(extreme(lengths[key], v) for i, v in lengths.items() if i != key)
        return n / len(singles)

    assert keyed_is(lambda k, v: k > v) <= 0.35  # "pick the longest answer" must not pass the quiz
    assert keyed_is(lambda k, v: k < v) <= 0.35


def test_bank_text_has_no_bare_urls_and_no_wrong_way_pointers() -> None:
    # A learner sees explanations rendered: a URL belongs inside a Markdown link, and the
    # simulator's sentences are shown above an explanation, never below it.
    bare = re.compile(r"(?<!\]\()https?://")
    for path in sorted((Path(__file__).resolve().parents[2] / "kmslab/quiz/questions").glob("*.json")):
        for q in json.loads(Path(path).read_text(encoding="utf-8"))["questions"]:
            texts = [q.get("explanation", "")] + [o.get("why", "") for o in q.get("options", [])]
            for text in texts:
                assert not bare.search(text), (q["slug"], text[:80])
            assert "explanation below" not in q.get("explanation", ""), q["slug"]
