"""What a template needs to show one item: the question, and after answering, the feedback.

Responsible for turning an Item's payload and response into display values (Markdown rendered
and sanitised, policies pretty-printed, the engine's answer key and explanation sentences).
Must not: score or decide (scoring.py and engine.py do); it only reads their results.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from html import escape
from collections.abc import Mapping
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from kmslab.lab.load import load_spec
from kmslab.lab.spec import ScenarioError
from kmslab.lessons.content import render_markdown, sections
from kmslab.quiz import bank, engine
from kmslab.quiz.models import Item
from kmslab.rows import values
from scenarios.loader import scenario_files
from scenarios.models import Scenario

TYPE_NAMES = {"single": "Single choice", "multi": "Multiple response", "truefalse": "True or false",
              "predict": "Predict the decision", "fix": "Fix the policy"}


_BARE_URL = re.compile(r"(?<!\]\()(?<![<\"\w/])(https?://[^\s<>()`]+[^\s<>().,;:`])")
_CODE = re.compile(r"`([^`]+)`")


def md(text: str) -> SafeString:
    """Markdown (bare URLs become links), sanitised by nh3 in render_markdown."""
    return mark_safe(_md_html(text))


@lru_cache(maxsize=2048)
def _md_html(text: str) -> str:
    """Remembered: the bank's prompts, options and explanations are rendered on every question
    page (about 1 ms each), and the same text always renders the same."""
    return render_markdown(_BARE_URL.sub(r"<\1>", text))


def inline(text: str) -> SafeString:
    """An engine sentence: escaped, with `backticks` shown as code."""
    return mark_safe(_CODE.sub(r"<code>\1</code>", escape(text)))


@dataclass
class Shown:
    item: Item
    type: str
    type_name: str
    prompt: SafeString
    options: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)  # predict/fix: title, text, editable
    verdicts: list[tuple[str, str]] = field(default_factory=list)
    statements: list[tuple[str, str]] = field(default_factory=list)
    editable_text: str = ""
    answered: bool = False
    correct: bool | None = None
    counted: bool = True
    chosen: list[str] = field(default_factory=list)
    chosen_statements: list[str] = field(default_factory=list)
    chosen_verdict: str = ""
    chosen_labels: list[str] = field(default_factory=list)  # predict: the learner's answer in words
    submitted_text: str = ""
    right_answer: list[str] = field(default_factory=list)  # human text of the correct answer
    explanation: SafeString | None = None
    sentences: list[dict[str, str]] = field(default_factory=list)
    sentences_title: str = ""
    links: list[dict[str, str]] = field(default_factory=list)
    practice: list[dict[str, str]] = field(default_factory=list)  # where to practise the point (lesson, scenario)
    select: int = 0  # multi: how many options to choose ("Select TWO.")
    parts: list[dict[str, Any]] = field(default_factory=list)  # predict: which half was right (verdict, statements)
    domain: str = ""
    task: str = ""


def _documents(setup: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, _, title in engine.DOCS:
        if isinstance(setup.get(name), dict):
            out.append({"name": name, "title": title, "text": engine.policy_text(setup[name]),
                        "editable": setup.get("editable") == name})
    return out


def show(item: Item, *, feedback: bool) -> Shown:
    p = item.payload
    qtype = p["type"]
    s = Shown(item, qtype, TYPE_NAMES.get(qtype, qtype), md(p["prompt"]), links=list(p.get("links", [])))
    s.options = [dict(o) for o in p.get("options", [])]
    s.select = len(p.get("answer", [])) if qtype == "multi" else 0
    domain, task = int(p.get("domain") or 2), str(p.get("task") or "2.1")
    s.domain = f"Domain {domain}: {bank.DOMAINS.get(domain, '')}"
    s.task = f"Task {task}: {bank.TASKS.get(task, '')}"
    if qtype in ("predict", "fix"):
        s.documents = _documents(p["setup"])
        s.editable_text = next((d["text"] for d in s.documents if d["editable"]), "")
    if qtype == "predict":
        s.verdicts = list(engine.VERDICT_CHOICES)
        s.statements = engine.statement_choices(p["setup"])
    r = item.response
    if r is not None:
        s.answered = True
        s.correct = bool(item.correct)
        s.counted = item.counted
        s.chosen = list(r.get("choices", []))
        s.chosen_verdict = str(r.get("verdict", ""))
        s.chosen_statements = list(r.get("statements", []))
        s.submitted_text = str(r.get("text", ""))
        if s.submitted_text:
            s.editable_text = s.submitted_text
    if s.answered and qtype == "predict":
        labels = dict(s.statements)
        s.chosen_labels = [dict(engine.VERDICT_CHOICES).get(s.chosen_verdict, s.chosen_verdict)]
        s.chosen_labels += [labels.get(sid, sid) for sid in s.chosen_statements]
    if feedback and s.answered:
        _feedback(s, p)
    return s


@lru_cache(maxsize=1)
def shipped_scenario_titles() -> dict[str, str]:
    """slug -> title of the scenarios shipped in scenarios/data (before `loadscenarios` has run)."""
    out = {}
    for path in scenario_files():
        try:
            spec = load_spec(path)
        except ScenarioError:
            continue
        out[spec.slug] = spec.title
    return out


def practice_links(practice: Mapping[str, str]) -> list[dict[str, str]]:
    """The lesson section and the scenario that practise an item's point, with their titles."""
    out = []
    lesson = practice.get("lesson")
    if lesson:
        titles = {sec.slug: sec.title for sec in sections()}
        if lesson in titles:
            out.append({"url": f"/lesson/{lesson}/", "title": f"Lesson: {titles[lesson]}", "kind": "lesson"})
    slug = practice.get("scenario")
    if slug:
        found = values("scenario-title", lambda s: Scenario.objects.filter(slug=s).values_list("title"),
                       ("sample-scenario-slug",), (slug,))
        title = found[0][0] if found else shipped_scenario_titles().get(slug)
        if title:
            out.append({"url": f"/scenarios/{slug}/", "title": f"Scenario: {title}", "kind": "scenario"})
    return out


def _statements_detail(chosen: frozenset[str], key: frozenset[str], labels: Mapping[str, str]) -> str:
    missing = [labels.get(sid, sid) for sid in sorted(key - chosen)]
    extra = [labels.get(sid, sid) for sid in sorted(chosen - key)]
    out = []
    if missing:
        out.append("missing: " + "; ".join(missing))
    if extra:
        out.append("not deciding: " + "; ".join(extra))
    return " · ".join(out)


def _feedback(s: Shown, p: dict[str, Any]) -> None:
    s.explanation = md(p["explanation"])
    s.practice = practice_links(p.get("practice") or {})
    if s.type in ("single", "multi", "truefalse"):
        texts = {o["id"]: o["text"] for o in p.get("options", [])}
        s.right_answer = [texts[a] for a in p.get("answer", []) if a in texts]
        for o in s.options:
            o["right"] = o["id"] in p.get("answer", [])
            o["chosen"] = o["id"] in s.chosen
            o["why_html"] = inline(str(o.get("why", "")))
    elif s.type == "predict":
        key = engine.predict_key(p["setup"])
        labels = dict(s.statements)
        verdict = dict(engine.VERDICT_CHOICES)[key.verdict]
        s.right_answer = [verdict] + [labels.get(sid, sid) for sid, _ in s.statements if sid in key.statements]
        s.sentences = _inline_all(engine.sentences(key.decision))
        s.sentences_title = "What the simulator says"
        # The item is scored all or nothing; say which half was wrong, so a learner knows what to fix.
        chosen = frozenset(s.chosen_statements)
        s.parts = [
            {"name": "Verdict", "right": s.chosen_verdict == key.verdict,
             "detail": "" if s.chosen_verdict == key.verdict else f"the simulator decides {verdict}"},
            {"name": "Deciding statements", "right": chosen == key.statements,
             "detail": _statements_detail(chosen, key.statements, labels)},
        ]
    elif s.type == "fix":
        result = engine.check_fix(p["setup"], s.submitted_text)
        if result.decision is not None:
            s.sentences = _inline_all(engine.sentences(result.decision))
            s.sentences_title = "What the simulator says about your policy"
        s.right_answer = ["Any edit the simulator decides as Allowed" +
                          (" (and that still denies the other callers)" if p["setup"].get("must_deny") else "")]
        for broad in result.too_broad:
            s.sentences.append({"text": f"too broad: {broad}", "html": inline(f"too broad: {broad}"),
                                "kind": "cause", "citation": ""})


def _inline_all(sentences: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [{**line, "html": inline(line["text"])} for line in sentences]
