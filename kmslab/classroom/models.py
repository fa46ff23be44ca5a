"""Classes, memberships and join attempts.

A Classroom belongs to one instructor (`owner`) and assigns scenarios and, optionally, the quiz.
A Membership ties a learner (a `kmslab.learner.learner_key` string, so anonymous learners work)
to a class under a display name; the learner's scenario and quiz work is never copied here: the
dashboard reads it live from the scenarios and quiz tables by learner key.
JoinAttempt rows back the per-client join rate limit (in the database, so every worker agrees).
Must not: hold scenario or quiz results (they belong to their apps), or be looked up without
its owner (instructor) or its learner key (see views: every lookup filters by one of them).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kmslab.classroom.codes import CODE_LENGTH, new_code


class Classroom(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classrooms")
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_code, editable=False)
    scenarios = models.ManyToManyField("scenarios.Scenario", blank=True, related_name="classrooms")
    assigns_quiz = models.BooleanField("assign the quiz", default=True)
    is_open = models.BooleanField("open for joining", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Membership(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    learner_key = models.CharField(max_length=120, db_index=True)
    display_name = models.CharField(max_length=40)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "learner_key"], name="one_membership_per_learner"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.classroom.code}"


class JoinAttempt(models.Model):
    """One try at joining a class from a client address (pruned after the rate-limit window)."""

    client = models.CharField(max_length=64, db_index=True)
    succeeded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
