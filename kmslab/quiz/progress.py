"""What the quiz tells the rest of KMS Lab (the classroom dashboard, the history page).

scores_by_objective(learner_key) -> {objective: percent 0..100} over every counted answer to a
finished or in-progress sitting; latest_sitting(learner_key) -> the newest finished Sitting.
Must not: write anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q

from kmslab.quiz.models import Item, Sitting, SittingStatus

OBJECTIVES: dict[int, str] = {
    1: "Configure a key policy to grant access to external accounts",
    2: "Identify the IAM permissions a principal in another account needs",
    3: "Differentiate resource-based and identity-based policies",
    4: "Describe the cross-account encrypt/decrypt flow (e.g. S3 uploads)",
}


def scores_by_objectives(learner_keys: Iterable[str]) -> dict[str, dict[int, float]]:
    """learner key -> objective -> percent of answered questions correct (0..100), in one query.
    Objectives the learner never answered are absent."""
    keys = list(learner_keys)
    rows = (Item.objects.filter(sitting__learner_key__in=keys, answered_at__isnull=False)
            .values("sitting__learner_key", "objective")
            .annotate(total=Count("id"), right=Count("id", filter=Q(correct=True, counted=True))))
    out: dict[str, dict[int, float]] = {k: {} for k in keys}
    for row in rows:
        out[row["sitting__learner_key"]][row["objective"]] = round(100 * row["right"] / row["total"], 1)
    return out


def scores_by_objective(learner_key: str) -> dict[int, float]:
    return scores_by_objectives([learner_key])[learner_key]


def latest_sitting(learner_key: str) -> Sitting | None:
    return (Sitting.objects.filter(learner_key=learner_key)
            .exclude(status=SittingStatus.OPEN).order_by("-finished_at", "-id").first())


def history(learner_key: str, limit: int = 30) -> list[Sitting]:
    """Finished sittings with at least one answer, oldest first (for the chart)."""
    rows = list(Sitting.objects.filter(learner_key=learner_key, total__gt=0)
                .exclude(status=SittingStatus.OPEN).order_by("-finished_at", "-id")[:limit])
    return rows[::-1]
