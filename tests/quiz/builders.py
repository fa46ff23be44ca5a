"""Builders for quiz tests: a sitting with one chosen bank question, answers that are right or wrong."""

from __future__ import annotations

import json
from typing import Any

from kmslab.quiz import engine
from kmslab.quiz.models import Item, Mode, Question, Sitting


def make_sitting(learner_key: str, slugs: list[str], *, mode: str = Mode.PRACTICE, started_at: Any,
                 time_limit_seconds: int | None = None) -> Sitting:
    s = Sitting.objects.create(learner_key=learner_key, mode=mode, started_at=started_at,
                               time_limit_seconds=time_limit_seconds, length=len(slugs), total=len(slugs))
    for i, slug in enumerate(slugs):
        q = Question.objects.get(slug=slug)
        Item.objects.create(sitting=s, position=i + 1, question=q, signature=slug, objective=q.objective,
                            payload=q.as_data())
    return s


def right_answer(payload: dict[str, Any]) -> dict[str, Any]:
    """Form data answering the item correctly (engine-backed keys asked from the engine)."""
    if payload["type"] in ("single", "truefalse"):
        return {"choice": payload["answer"][0]}
    if payload["type"] == "multi":
        return {"choice": list(payload["answer"])}
    if payload["type"] == "predict":
        key = engine.predict_key(payload["setup"])
        return {"verdict": key.verdict, "statement": sorted(key.statements)}
    setup = payload["setup"]
    doc = json.loads(json.dumps(setup[setup["editable"]]))
    if setup["editable"] == "key_policy":  # name the caller itself: allowed, and nobody else is
        doc["Statement"].append({"Sid": "LetTheCallerIn", "Effect": "Allow", "Principal": {"AWS": setup["caller"]},
                                 "Action": setup["action"], "Resource": "*"})
    else:
        doc["Statement"] = [{"Sid": "UseTheKey", "Effect": "Allow", "Action": setup["action"], "Resource": setup["key_arn"]}]
    return {"policy": json.dumps(doc, indent=2)}


def wrong_answer(payload: dict[str, Any]) -> dict[str, Any]:
    if payload["type"] in ("single", "truefalse"):
        wrong = [o["id"] for o in payload["options"] if o["id"] not in payload["answer"]]
        return {"choice": wrong[0]}
    if payload["type"] == "multi":  # as many boxes as the question asks for, not all of them right
        wrong = [o["id"] for o in payload["options"] if o["id"] not in payload["answer"]]
        return {"choice": wrong[:1] + list(payload["answer"])[: len(payload["answer"]) - 1]}
    if payload["type"] == "predict":
        key = engine.predict_key(payload["setup"])
        other = next(v for v, _ in engine.VERDICT_CHOICES if v != key.verdict)
        return {"verdict": other, "statement": sorted(key.statements)}
    return {"policy": json.dumps(payload["setup"][payload["setup"]["editable"]])}  # unchanged: still denied
