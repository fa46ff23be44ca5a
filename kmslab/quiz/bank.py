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
FIELDS = ("slug", "type", "objective", "domain", "task", "difficulty", "topics", "prompt", "options", "answer",
          "explanation", "links", "practice", "setup")
CHOICE_TYPES = ("single", "multi", "truefalse")
EXAM_TYPES = ("single", "multi", "predict", "fix")  # true/false is practice only: the exam has none
# DVA-C02 content domains and the task statements of the exam guide (version 2.1).
DOMAINS = {1: "Development with AWS Services", 2: "Security", 3: "Deployment",
           4: "Troubleshooting and Optimization"}
TASKS = {
    "1.1": "Develop code for applications hosted on AWS",
    "1.2": "Develop code for AWS Lambda",
    "1.3": "Use data stores in application development",
    "2.1": "Implement authentication and/or authorization for applications and AWS services",
    "2.2": "Implement encryption by using AWS services",
    "2.3": "Manage sensitive data in application code",
    "3.1": "Prepare application artifacts to be deployed to AWS",
    "3.2": "Test applications in development environments",
    "3.3": "Automate deployment testing",
    "3.4": "Deploy code by using AWS CI/CD services",
    "4.1": "Assist in a root cause analysis",
    "4.2": "Instrument code for observability",
    "4.3": "Optimize applications by using AWS services and features",
}
# Multiple response as the exam asks it: (options, correct) and the sentence the prompt ends with.
MULTI_SHAPES = {(5, 2): "(Select TWO.)", (6, 3): "(Select THREE.)"}
AWS_DOCS_PREFIX = "https://docs.aws.amazon.com/"
PRACTICE_KEYS = ("lesson", "scenario")
VAGUE_WHY = ("this is incorrect", "this is wrong", "incorrect", "wrong", "correct", "this is correct",
             "this is right", "right")
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


def _slug_like(value: object) -> bool:
    return isinstance(value, str) and bool(value) and len(value) <= 80 and value == value.lower() and all(
        c.isascii() and c.isalnum() or c == "-" for c in value)


def _check_links(links: object, where: str) -> list[dict[str, str]]:
    if not isinstance(links, list) or not all(
            isinstance(link, dict) and isinstance(link.get("url"), str) and isinstance(link.get("title", ""), str)
            for link in links):
        raise _fail(f"{where}.links", "must be a list of {url, title} objects")
    if not any(link["url"].startswith(AWS_DOCS_PREFIX) for link in links):
        raise _fail(f"{where}.links", f"needs at least one AWS documentation link ({AWS_DOCS_PREFIX}...)")
    return [{"url": link["url"], "title": link.get("title", "")} for link in links]


def _check_practice(practice: object, where: str) -> dict[str, str]:
    if practice in (None, {}):
        return {}
    if not isinstance(practice, dict) or not practice or set(practice) - set(PRACTICE_KEYS):
        raise _fail(f"{where}.practice", 'must be {"lesson": "<section slug>", "scenario": "<scenario slug>"}')
    for key, value in practice.items():
        if not _slug_like(value):
            raise _fail(f"{where}.practice.{key}", "must be a slug (lowercase letters, digits and hyphens)")
    return {k: practice[k] for k in PRACTICE_KEYS if k in practice}


def _check_domain_task(q: Mapping[str, Any], where: str) -> tuple[int, str]:
    domain = q.get("domain")
    if domain not in DOMAINS or isinstance(domain, bool):
        raise _fail(f"{where}.domain", "is required: the DVA-C02 domain 1, 2, 3 or 4")
    task = q.get("task")
    if not isinstance(task, str) or task not in TASKS:
        raise _fail(f"{where}.task", f"is required: a DVA-C02 task statement id ({', '.join(TASKS)})")
    if not task.startswith(f"{domain}."):
        raise _fail(f"{where}.task", f"task {task} is not in domain {domain}")
    return domain, task


def _check_options(q: Mapping[str, Any], qtype: str, prompt: str, where: str) -> tuple[list[dict[str, str]], list[str]]:
    options = q.get("options", [])
    answer = q.get("answer", [])
    if not isinstance(options, list) or len(options) < 2 or not all(
            isinstance(o, dict) and isinstance(o.get("id"), str) and isinstance(o.get("text"), str)
            and o["id"] and o["text"].strip() for o in options):
        raise _fail(f"{where}.options", "must be a list of at least two {id, text, why} objects")
    for i, o in enumerate(options):
        unknown = sorted(set(o) - {"id", "text", "why"})
        if unknown:
            raise _fail(f"{where}.options[{i}]", f"unknown field `{unknown[0]}`")
        why = o.get("why")
        if not isinstance(why, str) or not why.strip():
            raise _fail(f"{where}.options[{i}].why", f"option `{o['id']}` needs a reason (why it is right or wrong)")
        if why.strip().rstrip(".!").lower() in VAGUE_WHY or len(why.split()) < 4:
            raise _fail(f"{where}.options[{i}].why", f"option `{o['id']}`: say specifically why, not `{why.strip()}`")
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
    if qtype == "single" and len(options) != 4:
        raise _fail(f"{where}.options", f"a `single` question has exactly 4 options, not {len(options)}")
    if qtype == "truefalse" and sorted(ids) != ["false", "true"]:
        raise _fail(f"{where}.options", "a `truefalse` question has the options `true` and `false`")
    if qtype == "multi":
        ending = MULTI_SHAPES.get((len(options), len(answer)))
        if ending is None:
            raise _fail(f"{where}.answer", f"a `multi` question has 5 options with 2 correct or 6 with 3, "
                                           f"not {len(options)} with {len(answer)}")
        if not prompt.rstrip().endswith(ending):
            raise _fail(f"{where}.prompt", f"a `multi` question with {len(answer)} answers ends with `{ending}`")
    return [{"id": o["id"], "text": o["text"], "why": o["why"]} for o in options], list(answer)


def check_question(q: object, where: str) -> dict[str, Any]:
    """A validated, normalised question dict (only FIELDS, in order)."""
    if not isinstance(q, dict):
        raise _fail(where, "each question must be an object")
    unknown = sorted(set(q) - set(FIELDS))
    if unknown:
        raise _fail(where, f"unknown field `{unknown[0]}`")
    slug = _text(q, "slug", where)
    if not _slug_like(slug):
        raise _fail(f"{where}.slug", f"`{slug}` must be lowercase letters, digits and hyphens (at most 80)")
    where = f"{where} ({slug})"
    qtype = q.get("type")
    if qtype not in TYPES:
        raise _fail(f"{where}.type", f"`{qtype}` is not one of {', '.join(TYPES)}")
    objective = q.get("objective")
    if objective not in OBJECTIVES or isinstance(objective, bool):
        raise _fail(f"{where}.objective", "must be 1, 2, 3 or 4")
    domain, task = _check_domain_task(q, where)
    difficulty = q.get("difficulty", "medium")
    if difficulty not in DIFFICULTIES:
        raise _fail(f"{where}.difficulty", f"`{difficulty}` is not one of {', '.join(DIFFICULTIES)}")
    topics = q.get("topics", [])
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise _fail(f"{where}.topics", "must be a list of strings")
    prompt = _text(q, "prompt", where)
    explanation = _text(q, "explanation", where)
    links = _check_links(q.get("links", []), where)
    practice = _check_practice(q.get("practice"), where)
    options: list[dict[str, str]] = []
    answer: list[str] = []
    setup: dict[str, Any] = {}
    if qtype in ("predict", "fix"):
        if q.get("options") or q.get("answer"):
            raise _fail(where, f"a `{qtype}` question has no options or answer: the engine computes them")
        setup = _check_setup(q.get("setup"), qtype, where)
    else:
        if q.get("setup"):
            raise _fail(f"{where}.setup", f"only predict and fix questions have a setup, not `{qtype}`")
        options, answer = _check_options(q, qtype, prompt, where)
    return {
        "slug": slug, "type": qtype, "objective": objective, "domain": domain, "task": task,
        "difficulty": difficulty, "topics": list(topics), "prompt": prompt, "options": options, "answer": answer,
        "explanation": explanation, "links": links, "practice": practice, "setup": setup,
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
# so an export puts the keys of `setup` and its policies, options, links and practice back in this
# order (others after, as read).
KEY_ORDER = {k: i for i, k in enumerate((
    "key_policy", "identity_policy", "caller", "action", "key_arn", "context", "editable", "must_deny",
    "Version", "Id", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition",
    "id", "text", "why", "url", "title", "lesson", "scenario",  # options, links, practice
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
        for name in ("setup", "options", "links", "practice"):  # jsonb sorts keys: put them back
            if isinstance(d.get(name), (dict, list)):
                d[name] = _ordered(d[name])
        if d.get("type") in ("predict", "fix"):
            d.pop("options", None)
            d.pop("answer", None)
        else:
            d.pop("setup", None)
        if not d.get("practice"):
            d.pop("practice", None)
        slim.append(d)
    return json.dumps({"questions": slim}, indent=2, ensure_ascii=False) + "\n"
