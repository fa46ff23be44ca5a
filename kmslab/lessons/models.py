"""Lesson progress for logged-in learners (anonymous learners keep theirs in the session)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SectionRead(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_sections_read")
    section = models.SlugField(max_length=64)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "section"], name="lessons_unique_user_section")]
        ordering = ["read_at"]

    def __str__(self) -> str:
        return f"{self.user} read {self.section}"
