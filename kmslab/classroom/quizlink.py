"""The quiz's side of the dashboard: learning objectives and scores by learner key.

Delegates to the quiz's own read API (kmslab.quiz.progress), so the instructor sees exactly the
scores the quiz shows the learner; kept in one module so the dashboard has one seam to the quiz.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Objective:
    number: int
    title: str


def quiz_objectives() -> tuple[Objective, ...]:
    from kmslab.quiz.progress import OBJECTIVES

    return tuple(Objective(n, t) for n, t in sorted(OBJECTIVES.items()))


def quiz_scores(learner_keys: Sequence[str]) -> dict[str, dict[int, float]]:
    """learner key -> objective number -> percent correct (0..100), in one query."""
    from kmslab.quiz.progress import scores_by_objectives

    return scores_by_objectives(learner_keys)


def learner_quiz_scores(learner_key: str) -> dict[int, float]:
    """One learner's score by objective (0..100)."""
    from kmslab.quiz.progress import scores_by_objective

    return scores_by_objective(learner_key)
