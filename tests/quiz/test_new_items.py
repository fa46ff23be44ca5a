"""The exam-style items in questions/1N-*.json: schema, coverage and answer-key balance.

Reads the JSON files with the standard library only (not through the quiz loader, which is changing), so a
schema slip, a lost trap, a lopsided answer key or a duplicate slug fails here however the loader evolves.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "kmslab" / "quiz" / "questions"
NEW_FILES = sorted(QUESTIONS.glob("1[0-9]-*.json"))
ALL_FILES = sorted(QUESTIONS.glob("*.json"))

REQUIRED = {"slug", "type", "objective", "difficulty", "domain", "task", "topics", "prompt", "options", "answer",
            "explanation", "links"}
OPTIONAL = {"practice"}
TRAPS = ("grant-tokens", "bucket-keys", "quotas-caching", "sse-types", "rotation", "multi-region",
         "grant-is-for-aws-resource", "confused-deputy", "same-region", "encryption-context")
# DVA-C02 task statements by domain (exam guide): 1 development, 2 security, 3 deployment, 4 troubleshooting.
TASKS = {"1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3"}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
AWS_DOC = re.compile(r"https://docs\.aws\.amazon\.com/\S+")
TELLS = re.compile(r"\b(always|never)\b", re.IGNORECASE)


def _questions(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("questions"), list), path.name
    return data["questions"]


NEW = [q for path in NEW_FILES for q in _questions(path)]
ALL = [q for path in ALL_FILES for q in _questions(path)]


def _lesson_slugs() -> set[str]:
    index = tomllib.loads((ROOT / "kmslab" / "lessons" / "content" / "index.toml").read_text(encoding="utf-8"))
    return {section["slug"] for section in index["section"]}


def _scenario_slugs() -> set[str]:
    return {tomllib.loads(p.read_text(encoding="utf-8"))["slug"] for p in (ROOT / "scenarios" / "data").glob("*.toml")}


def test_new_files_hold_at_least_sixty_items_and_the_bank_one_hundred_twenty():
    assert len(NEW_FILES) >= 5
    assert len(NEW) >= 60
    assert len(ALL) >= 120


def test_slugs_are_unique_across_every_question_file():
    counts = Counter(q["slug"] for q in ALL)
    assert [slug for slug, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("q", NEW, ids=lambda q: q["slug"])
def test_item_follows_the_shared_schema(q):
    assert REQUIRED <= set(q) <= REQUIRED | OPTIONAL, sorted(set(q) ^ REQUIRED)
    assert SLUG.match(q["slug"]) and len(q["slug"]) <= 80
    assert q["type"] in ("single", "multi")
    assert q["objective"] in (1, 2, 3, 4) and not isinstance(q["objective"], bool)
    assert q["difficulty"] in ("easy", "medium", "hard")
    assert q["domain"] in (1, 2, 3, 4) and not isinstance(q["domain"], bool)
    assert q["task"] in TASKS and q["task"].split(".")[0] == str(q["domain"])
    assert isinstance(q["topics"], list) and q["topics"] and all(isinstance(t, str) and SLUG.match(t) for t in q["topics"])
    assert len(set(q["topics"])) == len(q["topics"])
    assert q["prompt"].strip() and q["explanation"].strip()


@pytest.mark.parametrize("q", NEW, ids=lambda q: q["slug"])
def test_item_has_exam_shaped_options_and_a_reason_for_each(q):
    options, answer = q["options"], q["answer"]
    ids = [o["id"] for o in options]
    assert all(set(o) == {"id", "text", "why"} for o in options)
    assert ids == list("abcdef"[: len(options)])
    assert len({o["text"].strip().lower() for o in options}) == len(options)
    assert len({o["why"].strip().lower() for o in options}) == len(options)
    assert all(len(o["text"].strip()) >= 3 and len(o["why"].strip()) >= 30 for o in options)
    assert {o["text"].strip().lower() for o in options}.isdisjoint({"true", "false", "yes", "no"})
    assert all(not TELLS.search(o["text"]) for o in options), "absolute words give the answer away"
    assert len(set(answer)) == len(answer) and set(answer) <= set(ids)
    assert answer == sorted(answer)
    if q["type"] == "single":
        assert len(options) == 4 and len(answer) == 1
        assert "(Select" not in q["prompt"]
    else:
        shape = {5: (2, "(Select TWO.)"), 6: (3, "(Select THREE.)")}
        assert len(options) in shape
        count, suffix = shape[len(options)]
        assert len(answer) == count and q["prompt"].rstrip().endswith(suffix)
    for o in options:
        right = o["id"] in answer
        assert o["why"].startswith("Right" if right else "Wrong"), (o["id"], o["why"][:40])


@pytest.mark.parametrize("q", NEW, ids=lambda q: q["slug"])
def test_item_cites_aws_documentation_and_links_real_practice(q):
    assert AWS_DOC.search(q["explanation"]), "the explanation names the page it relies on"
    assert q["links"] and all(set(link) == {"title", "url"} and link["title"].strip() for link in q["links"])
    assert any(link["url"].startswith("https://docs.aws.amazon.com/") for link in q["links"])
    practice = q.get("practice", {})
    assert set(practice) <= {"lesson", "scenario"}
    if "lesson" in practice:
        assert practice["lesson"] in _lesson_slugs()
    if "scenario" in practice:
        assert practice["scenario"] in _scenario_slugs()


def test_every_trap_has_at_least_three_items():
    counts = Counter(t for q in NEW for t in q["topics"] if t in TRAPS)
    assert {trap: counts[trap] for trap in TRAPS if counts[trap] < 3} == {}


def test_every_learning_objective_has_twenty_items_in_the_whole_bank():
    counts = Counter(q["objective"] for q in ALL)
    assert all(counts[objective] >= 20 for objective in (1, 2, 3, 4)), counts


def test_half_of_the_new_items_are_scenarios_and_a_fifth_multiple_response():
    scenarios = sum("scenario-stem" in q["topics"] for q in NEW)
    multi = sum(q["type"] == "multi" for q in NEW)
    assert scenarios * 2 >= len(NEW)
    assert 0.15 <= multi / len(NEW) <= 0.25
    assert all(q["type"] != "truefalse" for q in NEW)


def test_keyed_positions_are_spread_so_position_guessing_fails():
    keyed = Counter(a for q in NEW for a in q["answer"])
    total = sum(keyed.values())
    assert max(keyed.values()) <= 0.35 * total, keyed
    single = Counter(q["answer"][0] for q in NEW if q["type"] == "single")
    assert set(single) == set("abcd")
    assert max(single.values()) <= 0.35 * sum(single.values()), single
    multi = [q for q in NEW if q["type"] == "multi"]
    in_multi = Counter(a for q in multi for a in q["answer"])
    assert max(in_multi.values()) <= 0.5 * len(multi), in_multi  # no letter is "usually one of the answers"


def test_the_longest_option_is_not_usually_the_answer():
    singles = [q for q in NEW if q["type"] == "single"]
    longest_is_key = 0
    for q in singles:
        longest = max(len(o["text"]) for o in q["options"])
        longest_is_key += any(len(o["text"]) == longest for o in q["options"] if o["id"] in q["answer"])
    assert longest_is_key <= 0.35 * len(singles), f"{longest_is_key} of {len(singles)}"


def test_qualifier_stems_appear_as_on_the_exam():
    prompts = " ".join(q["prompt"] for q in NEW)
    for qualifier in ("MOST secure", "LEAST operational overhead", "MOST cost-effective"):
        assert qualifier in prompts
