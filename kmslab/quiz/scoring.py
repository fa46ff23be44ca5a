"""Reading and scoring one answer, and summing a sitting.

Responsible for turning submitted form data into a response (rejecting anything that is not an
option of the item with AnswerError, a clear 400), and for deciding whether a response is correct:
option ids against the answer list for hand-written questions, the engine's verdict and
determining statements for "predict", the engine's decision on the edited policy for "fix".
Must not: decide access itself; engine-backed keys come from kmslab/quiz/engine.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kmslab.quiz import engine


class AnswerError(ValueError):
    """A submission that is not a possible answer to this item (one line, for a 400 page)."""


@dataclass(frozen=True, slots=True)
class Parsed:
    response: dict[str, Any] | None  # None: a fix submission that does not parse (diagnostic, nothing stored)
    diagnostic: str = ""
    findings: tuple[Any, ...] = ()


NUMBER_WORDS = {2: "two", 3: "three"}


def option_ids(payload: Mapping[str, Any]) -> list[str]:
    return [str(o["id"]) for o in payload.get("options", [])]


def read_response(payload: Mapping[str, Any], data: Mapping[str, Any]) -> Parsed:
    """`data` is a QueryDict-like mapping with getlist(). Raises AnswerError on tampering."""
    qtype = payload["type"]
    getlist = getattr(data, "getlist", lambda k: [data[k]] if k in data else [])
    if qtype in ("single", "truefalse"):
        choices = getlist("choice")
        if len(choices) != 1:
            raise AnswerError("choose exactly one answer")
        if choices[0] not in option_ids(payload):
            raise AnswerError(f"`{choices[0][:40]}` is not one of this question's options")
        return Parsed({"choices": choices})
    if qtype == "multi":
        choices = getlist("choice")
        wanted = len(payload.get("answer", []))
        if len(choices) != wanted:  # as in the exam: "(Select TWO.)" takes exactly two
            raise AnswerError(f"choose exactly {NUMBER_WORDS.get(wanted, wanted)} answers (you chose {len(choices)})")
        ids = option_ids(payload)
        for c in choices:
            if c not in ids:
                raise AnswerError(f"`{c[:40]}` is not one of this question's options")
        if len(set(choices)) != len(choices):
            raise AnswerError("an option was sent twice")
        return Parsed({"choices": sorted(choices)})
    if qtype == "predict":
        verdicts = getlist("verdict")
        valid_verdicts = [v for v, _ in engine.VERDICT_CHOICES]
        if len(verdicts) != 1 or verdicts[0] not in valid_verdicts:
            raise AnswerError("choose one decision: Allowed, implicitly denied or explicitly denied")
        statements = getlist("statement")
        valid = [sid for sid, _ in engine.statement_choices(payload["setup"])]
        if not statements:
            raise AnswerError("choose the statement(s) that decide, or \u201cno statement\u201d")
        for s in statements:
            if s not in valid:
                raise AnswerError(f"`{s[:40]}` is not a statement of these policies")
        if len(set(statements)) != len(statements):
            raise AnswerError("a statement was sent twice")
        if engine.NONE_CHOICE in statements and len(statements) > 1:
            raise AnswerError("\u201cno statement\u201d cannot be combined with statements")
        return Parsed({"verdict": verdicts[0], "statements": sorted(statements)})
    if qtype == "fix":
        texts = getlist("policy")
        if len(texts) != 1:
            raise AnswerError("send the edited policy in one `policy` field")
        text = texts[0]
        result = engine.check_fix(payload["setup"], text)
        if result.error:
            return Parsed(None, result.error, result.findings)
        return Parsed({"text": text})
    raise AnswerError(f"unknown question type `{qtype}`")


def is_correct(payload: Mapping[str, Any], response: Mapping[str, Any]) -> bool:
    qtype = payload["type"]
    if qtype in ("single", "truefalse", "multi"):
        return sorted(response.get("choices", [])) == sorted(payload.get("answer", []))
    if qtype == "predict":
        key = engine.predict_key(payload["setup"])
        return response.get("verdict") == key.verdict and frozenset(response.get("statements", [])) == key.statements
    if qtype == "fix":
        return engine.check_fix(payload["setup"], str(response.get("text", ""))).correct
    return False


@dataclass(frozen=True, slots=True)
class ObjectiveScore:
    objective: int
    correct: int
    total: int

    @property
    def percent(self) -> float:
        return round(100 * self.correct / self.total, 1) if self.total else 0.0


@dataclass(frozen=True, slots=True)
class TaskScore:
    domain: int
    task: str
    correct: int
    total: int

    @property
    def percent(self) -> float:
        return round(100 * self.correct / self.total, 1) if self.total else 0.0


def breakdown_by_task(items: Iterable[tuple[int, str, bool | None, bool]]) -> list[TaskScore]:
    """(domain, task, correct, counted) per item -> a score per DVA-C02 task statement that occurs,
    in exam-guide order. Unanswered or uncounted items score zero but count in the total."""
    totals: dict[tuple[int, str], list[int]] = {}
    for domain, task, correct, counted in items:
        row = totals.setdefault((domain, task), [0, 0])
        row[1] += 1
        if correct and counted:
            row[0] += 1
    return [TaskScore(d, t, c, n) for (d, t), (c, n) in
            sorted(totals.items(), key=lambda kv: tuple(int(x) for x in kv[0][1].split(".")))]


def breakdown_by_domain(tasks: Iterable[TaskScore]) -> list[TaskScore]:
    """Task scores summed per domain (task is the domain number as text)."""
    totals: dict[int, list[int]] = {}
    for t in tasks:
        row = totals.setdefault(t.domain, [0, 0])
        row[0] += t.correct
        row[1] += t.total
    return [TaskScore(d, str(d), c, n) for d, (c, n) in sorted(totals.items())]


def breakdown(items: Iterable[tuple[int, bool | None, bool]]) -> list[ObjectiveScore]:
    """(objective, correct, counted) per item -> score per objective 1..4. Unanswered or uncounted
    items score zero but still count in the total."""
    totals: dict[int, list[int]] = {o: [0, 0] for o in (1, 2, 3, 4)}
    for objective, correct, counted in items:
        row = totals.setdefault(objective, [0, 0])
        row[1] += 1
        if correct and counted:
            row[0] += 1
    return [ObjectiveScore(o, c, t) for o, (c, t) in sorted(totals.items())]
