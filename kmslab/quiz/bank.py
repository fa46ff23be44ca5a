"""The question bank as data: read, check and write the JSON files in kmslab/quiz/questions/.

Responsible for the file format (one JSON object `{"questions": [...]}` per file, see
questions/README.md), checking every question with one clear line per problem
(`checkpoint.json: questions[2].answer: `e` is not an option`), and writing the same format
back (exportquestions), so load -> export -> load is the identity.
Must not: touch the database (loader.py does) or compute answers the engine can compute.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
TYPES = ("single", "multi", "truefalse", "predict", "fix")
DIFFICULTIES = ("easy", "medium", "hard")
OBJECTIVES = (1, 2, 3, 4)
FIELDS = ("slug", "type", "objective", "difficulty", "topics", "prompt", "options", "answer",
          "explanation", "links", "setup")
MAX_FILE_BYTES = 1024 * 1024
SETUP_KEYS = ("key_policy", "identity_policy", "caller", "action", "key_arn", "context",
              "encryption_context", "editable", "must_deny")


class BankError(Exception):
    """A question file or question dict is unusable. The message is one line."""


def _fail(where: str, message: str) -> BankError:
    return BankError(f"{where}: {message}")


def _text(q: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = q.get(key, "")
    if not isinstance(value, str):
        raise _fail(f"{where}.{key}", f"must be a string, not {type(value).__name__}")
    if required and not value.strip():
        raise _fail(f"{where}.{key}", "is required")
    return value


def _check_setup(setup: object, qtype: str, where: str) -> dict[str, Any]:
    if not isinstance(setup, dict):
        raise _fail(f"{where}.setup", "must be an object with key_policy, caller, action and key_arn")
    unknown = sorted(set(setup) - set(SETUP_KEYS))
    if unknown:
        raise _fail(f"{where}.setup", f"unknown field `{unknown[0]}`")
    for key in ("caller", "action", "key_arn"):
        if not isinstance(setup.get(key), str) or not setup[key]:
            raise _fail(f"{where}.setup.{key}", "is required (a string)")
    if not isinstance(setup.get("key_policy"), dict):
        raise _fail(f"{where}.setup.key_policy", "must be a policy object")
    if "identity_policy" in setup and setup["identity_policy"] is not None \
            and not isinstance(setup["identity_policy"], dict):
        raise _fail(f"{where}.setup.identity_policy", "must be a policy object or null")
    for key in ("context", "encryption_context"):
        if key in setup and not isinstance(setup[key], dict):
            raise _fail(f"{where}.setup.{key}", "must be an object")
    if qtype == "fix":
        if setup.get("editable") not in ("key_policy", "identity_policy"):
            raise _fail(f"{where}.setup.editable", "must be `key_policy` or `identity_policy`")
        if not isinstance(setup.get(setup["editable"]), dict):
            raise _fail(f"{where}.setup.{setup['editable']}", "the editable document must be given")
        must_deny = setup.get("must_deny", [])
        if not isinstance(must_deny, list) or not all(
                isinstance(m, dict) and isinstance(m.get("caller"), str) and isinstance(m.get("action"), str)
                for m in must_deny):
            raise _fail(f"{where}.setup.must_deny", "must be a list of {caller, action} objects")
    return setup


def check_question(q: object, where: str) -> dict[str, Any]:
    """A validated, normalised question dict (only FIELDS, in order)."""
    if not isinstance(q, dict):
        raise _fail(where, "each question must be an object")
    unknown = sorted(set(q) - set(FIELDS))
    if unknown:
        raise _fail(where, f"unknown field `{unknown[0]}`")
    slug = _text(q, "slug", where)
    if not all(c.isalnum() and c.isascii() or c == "-" for c in slug) or slug != slug.lower() or len(slug) > 80:
        raise _fail(f"{where}.slug", f"`{slug}` must be lowercase letters, digits and hyphens (at most 80)")
    where = f"{where} ({slug})"
    qtype = q.get("type")
    if qtype not in TYPES:
        raise _fail(f"{where}.type", f"`{qtype}` is not one of {', '.join(TYPES)}")
    objective = q.get("objective")
    if objective not in OBJECTIVES or isinstance(objective, bool):
        raise _fail(f"{where}.objective", "must be 1, 2, 3 or 4")
    difficulty = q.get("difficulty", "medium")
    if difficulty not in DIFFICULTIES:
        raise _fail(f"{where}.difficulty", f"`{difficulty}` is not one of {', '.join(DIFFICULTIES)}")
    topics = q.get("topics", [])
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise _fail(f"{where}.topics", "must be a list of strings")
    prompt = _text(q, "prompt", where)
    explanation = _text(q, "explanation", where)
    links = q.get("links", [])
    if not isinstance(links, list) or not all(
            isinstance(link, dict) and isinstance(link.get("url"), str) and isinstance(link.get("title", ""), str)
            for link in links):
        raise _fail(f"{where}.links", "must be a list of {url, title} objects")
    options = q.get("options", [])
    answer = q.get("answer", [])
    setup: dict[str, Any] = {}
    if qtype in ("predict", "fix"):
        if options or answer:
            raise _fail(where, f"a `{qtype}` question has no options or answer: the engine computes them")
        setup = _check_setup(q.get("setup"), qtype, where)
    else:
        if q.get("setup"):
            raise _fail(f"{where}.setup", f"only predict and fix questions have a setup, not `{qtype}`")
        if qtype == "truefalse" and not options:
            options = [{"id": "true", "text": "True"}, {"id": "false", "text": "False"}]
        if not isinstance(options, list) or len(options) < 2 or not all(
                isinstance(o, dict) and isinstance(o.get("id"), str) and isinstance(o.get("text"), str)
                and o["id"] and o["text"].strip() for o in options):
            raise _fail(f"{where}.options", "must be a list of at least two {id, text} objects")
        ids = [o["id"] for o in options]
        if len(set(ids)) != len(ids):
            raise _fail(f"{where}.options", "option ids must be distinct")
        texts = [o["text"].strip().lower() for o in options]
        if len(set(texts)) != len(texts):
            raise _fail(f"{where}.options", "option texts must be distinct")
        if not isinstance(answer, list) or not answer or not all(isinstance(a, str) for a in answer):
            raise _fail(f"{where}.answer", "must be a non-empty list of option ids")
        for a in answer:
            if a not in ids:
                raise _fail(f"{where}.answer", f"`{a}` is not an option")
        if len(set(answer)) != len(answer):
            raise _fail(f"{where}.answer", "lists an option twice")
        if qtype in ("single", "truefalse") and len(answer) != 1:
            raise _fail(f"{where}.answer", f"a `{qtype}` question has exactly one answer")
        options = [{"id": o["id"], "text": o["text"]} for o in options]
    return {
        "slug": slug, "type": qtype, "objective": objective, "difficulty": difficulty, "topics": list(topics),
        "prompt": prompt, "options": options, "answer": list(answer), "explanation": explanation,
        "links": [{"url": link["url"], "title": link.get("title", "")} for link in links], "setup": setup,
    }


def read_file(path: Path) -> list[dict[str, Any]]:
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BankError(f"{name}: cannot read ({exc.strerror})") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise BankError(f"{name}: {len(raw):,} bytes is too large (at most {MAX_FILE_BYTES:,})")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BankError(f"{name}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise BankError(f'{name}: the file must be an object {{"questions": [...]}}')
    return [check_question(q, f"{name}: questions[{i}]") for i, q in enumerate(data["questions"])]


def read_bank(directory: Path = QUESTIONS_DIR) -> dict[str, list[dict[str, Any]]]:
    """file name -> its questions; slugs must be unique across files."""
    out: dict[str, list[dict[str, Any]]] = {}
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        questions = read_file(path)
        for q in questions:
            if q["slug"] in seen:
                raise BankError(f"{path.name}: slug `{q['slug']}` is also in {seen[q['slug']]}")
            seen[q["slug"]] = path.name
        out[path.name] = questions
    return out


# The key order of the shipped files. PostgreSQL's jsonb does not keep key order (it sorts keys),
# so an export puts the keys of `setup` and its policies back in this order (others after, as read).
KEY_ORDER = {k: i for i, k in enumerate((
    "key_policy", "identity_policy", "caller", "action", "key_arn", "context", "editable", "must_deny",
    "Version", "Id", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition",
))}


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: KEY_ORDER.get(k, len(KEY_ORDER)))
        return {k: _ordered(value[k]) for k in keys}
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def dump_questions(questions: list[dict[str, Any]]) -> str:
    """The file text for a list of questions (the format read_file reads)."""
    slim = []
    for q in questions:
        d = {k: q[k] for k in FIELDS if k in q}
        if isinstance(d.get("setup"), dict):
            d["setup"] = _ordered(d["setup"])
        if d.get("type") in ("predict", "fix"):
            d.pop("options", None)
            d.pop("answer", None)
        else:
            d.pop("setup", None)
            if d.get("type") == "truefalse" and d.get("options") == [
                    {"id": "true", "text": "True"}, {"id": "false", "text": "False"}]:
                d.pop("options")
        slim.append(d)
    return json.dumps({"questions": slim}, indent=2, ensure_ascii=False) + "\n"
