"""Scenario rows, learners' attempts and progress.

A Scenario row stores the scenario exactly as loaded (`data`, the plain dict of the TOML file)
so staff can edit or clone it in the admin; `.spec()` turns it into the checked ScenarioSpec.
Attempt and Progress are keyed by `kmslab.learner.learner_key` strings ("user:7",
"anon:<session>"), so the classroom dashboard can read anonymous and logged-in work alike.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from kmslab.lab.load import spec_from_dict
from kmslab.lab.spec import ScenarioError, ScenarioSpec

# The checked spec of each saved row version, (pk, updated_at, slug) -> spec: the one spec
# cache. An admin edit changes `updated_at`, so the key; a row whose `data` was changed in
# memory and not saved is checked afresh.
_SPECS: dict[tuple[object, ...], ScenarioSpec] = {}
_SPECS_MAX = 64

LEVELS = [("beginner", "Beginner"), ("intermediate", "Intermediate"), ("advanced", "Advanced")]
OUTCOMES = [("success", "Success"), ("failure", "Failure"), ("invalid", "Invalid")]


class Scenario(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    level = models.CharField(max_length=20, choices=LEVELS, default="beginner")
    order = models.IntegerField(default=100)
    data = models.JSONField(help_text="The scenario as loaded from its file (see scenarios/data/README.md).")
    source_file = models.CharField(max_length=200, blank=True, help_text="Shipped file it was loaded from; empty for clones.")
    is_published = models.BooleanField(default=True)
    customized = models.BooleanField(
        default=False, help_text="Edited by staff: `loadscenarios` leaves it alone unless --force."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Scenario:
        row = super().from_db(db, field_names, values)
        if "data" in row.__dict__:  # not a deferred field (reading it would be a query)
            row._saved_data = row.data  # held, so `is` below cannot match a recycled object
        return row

    def spec(self) -> ScenarioSpec:
        """The checked spec. Raises ScenarioError if `data` is broken. A row read without `data`
        (`Scenario.objects.defer("data")`, as the pages do: decoding it costs a request more than
        the rest of the row) is answered from the cache, and reads `data` only on a miss."""
        if self.pk is not None and "data" not in self.__dict__:
            cached = _SPECS.get((self.pk, self.updated_at, self.slug))
            if cached is not None:
                return cached
            self.refresh_from_db(fields=["data"])
            self._saved_data = self.data
        saved = self.pk is not None and getattr(self, "_saved_data", None) is self.data
        key = (self.pk, self.updated_at, self.slug)
        cached = _SPECS.get(key) if saved else None
        if cached is None:
            data = dict(self.data) if isinstance(self.data, dict) else self.data
            if isinstance(data, dict):
                data["slug"] = self.slug  # the row's slug wins (a clone renames it)
            cached = spec_from_dict(data, source=self.source_file or self.slug)
            if saved:
                if len(_SPECS) >= _SPECS_MAX:
                    _SPECS.clear()
                _SPECS[key] = cached
        return cached

    def spec_or_none(self) -> ScenarioSpec | None:
        try:
            return self.spec()
        except ScenarioError:
            return None


class Attempt(models.Model):
    """One simulate run by a learner (history; the classroom dashboard reads it)."""

    learner_key = models.CharField(max_length=120, db_index=True)
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="attempts")
    documents = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10, choices=OUTCOMES)
    solved = models.BooleanField(default=False)
    failing_step = models.IntegerField(null=True, blank=True)
    failing_gate = models.CharField(max_length=20, blank=True)
    error_code = models.CharField(max_length=80, blank=True)
    reason = models.CharField(max_length=500, blank=True, help_text="First failing step's AWS message, or the first error finding.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scenario", "learner_key"])]

    def __str__(self) -> str:
        return f"{self.learner_key} {self.scenario.slug} {self.outcome}"


class Progress(models.Model):
    """A learner's current state in one scenario: their saved documents and how it went."""

    learner_key = models.CharField(max_length=120, db_index=True)
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="progress")
    documents = models.JSONField(default=dict)
    attempts = models.PositiveIntegerField(default=0)
    hints_shown = models.PositiveIntegerField(default=0)
    last_outcome = models.CharField(max_length=10, choices=OUTCOMES, blank=True)
    last_result_summary = models.JSONField(default=dict, blank=True)
    first_solved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner_key", "scenario"], name="unique_progress_per_learner")
        ]
        verbose_name_plural = "progress"

    def __str__(self) -> str:
        return f"{self.learner_key} {self.scenario.slug}"

    @property
    def status(self) -> str:
        if self.first_solved_at is not None:
            return "solved"
        return "in-progress" if self.attempts or self.documents else "not-started"
