"""Quiz storage: the question bank, sittings with their items, and spaced-repetition cards.

Responsible for what must outlive a request. Everything is keyed by `learner_key` (see
kmslab/learner.py), so anonymous and logged-in learners are stored the same way and the
classroom can read scores per objective.
Must not: decide access (the engine does, through kmslab/quiz/engine.py) or score (scoring.py).
"""

from __future__ import annotations

from django.db import models


class QuestionType(models.TextChoices):
    SINGLE = "single", "Single choice"
    MULTI = "multi", "Multiple response"
    TRUE_FALSE = "truefalse", "True / false"
    PREDICT = "predict", "Predict the decision"
    FIX = "fix", "Fix the policy"


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


class Question(models.Model):
    """One hand-written question, loaded from kmslab/quiz/questions/*.json (see bank.py)."""

    slug = models.SlugField(max_length=80, unique=True)
    qtype = models.CharField("type", max_length=12, choices=QuestionType.choices)
    objective = models.PositiveSmallIntegerField(help_text="learning objective 1-4 (see the lesson)")
    domain = models.PositiveSmallIntegerField(default=2, help_text="DVA-C02 domain 1-4")
    task = models.CharField(max_length=8, default="2.2", help_text='DVA-C02 task statement, e.g. "2.2"')
    difficulty = models.CharField(max_length=8, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    topics = models.JSONField(default=list, blank=True, help_text='e.g. ["checkpoint", "glossary"]')
    prompt = models.TextField(help_text="Markdown")
    options = models.JSONField(default=list, blank=True, help_text='[{"id": "a", "text": "..."}]')
    answer = models.JSONField(default=list, blank=True,
                              help_text="option ids; empty for predict/fix (the engine computes those)")
    explanation = models.TextField(help_text="Markdown; cite the AWS doc URL")
    links = models.JSONField(default=list, blank=True, help_text='[{"url": "/lesson/checkpoint/", "title": "..."}]')
    practice = models.JSONField(default=dict, blank=True,
                                help_text='where to practise after a mistake: {"lesson": slug, "scenario": slug}')
    setup = models.JSONField(default=dict, blank=True,
                             help_text="predict/fix: the policies and the request (see questions/README.md)")
    source = models.CharField(max_length=120, blank=True, help_text="the data file it was loaded from")
    order = models.PositiveIntegerField(default=0)
    loaded_hash = models.CharField(max_length=64, blank=True, editable=False,
                                   help_text="hash of the file version last loaded (detects admin edits)")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        """The admin runs the same checks as loadquestions, so an edit cannot break a page."""
        from django.core.exceptions import ValidationError

        from kmslab.quiz import bank
        from kmslab.quiz.engine import check_setup_with_engine

        try:
            data = bank.check_question(self.as_data(), "question")
        except bank.BankError as exc:
            raise ValidationError(str(exc)) from exc
        if data["type"] in ("predict", "fix"):
            problem = check_setup_with_engine(data["setup"], data["type"])
            if problem:
                raise ValidationError(f"setup: {problem}")

    def as_data(self) -> dict[str, object]:
        """The question in the file format (bank.FIELDS)."""
        return {
            "slug": self.slug, "type": self.qtype, "objective": self.objective, "domain": self.domain,
            "task": self.task, "difficulty": self.difficulty,
            "topics": list(self.topics or []), "prompt": self.prompt, "options": list(self.options or []),
            "answer": list(self.answer or []), "explanation": self.explanation, "links": list(self.links or []),
            "practice": dict(self.practice or {}), "setup": dict(self.setup or {}),
        }


class Mode(models.TextChoices):
    PRACTICE = "practice", "Practice"
    EXAM = "exam", "Exam"
    REVIEW = "review", "Review mistakes"
    SPACED = "spaced", "Spaced repetition"
    GENERATED = "generated", "Unlimited generated practice"


class SittingStatus(models.TextChoices):
    OPEN = "open", "In progress"
    FINISHED = "finished", "Finished"
    LATE = "late", "Submitted after the time limit"


class Sitting(models.Model):
    learner_key = models.CharField(max_length=80, db_index=True)
    mode = models.CharField(max_length=12, choices=Mode.choices)
    topic = models.CharField(max_length=40, blank=True, help_text='practice filter: only questions with this topic')
    status = models.CharField(max_length=10, choices=SittingStatus.choices, default=SittingStatus.OPEN)
    objective = models.PositiveSmallIntegerField(null=True, blank=True, help_text="practice filter")
    started_at = models.DateTimeField()
    time_limit_seconds = models.PositiveIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    length = models.PositiveIntegerField(default=0, help_text="exam: number of questions")
    correct = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    generator_seed = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.mode} sitting {self.pk} of {self.learner_key}"

    @property
    def percent(self) -> float:
        return round(100 * self.correct / self.total, 1) if self.total else 0.0


class Item(models.Model):
    """One question in one sitting. `payload` is a snapshot of the question as served, so an edit
    in the admin mid-sitting (or a generated question) is scored as the learner saw it."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    question = models.ForeignKey(Question, on_delete=models.SET_NULL, null=True, blank=True)
    signature = models.CharField(max_length=120, help_text="slug, or gen:<hash> for generated questions")
    objective = models.PositiveSmallIntegerField()
    payload = models.JSONField()
    response = models.JSONField(null=True, blank=True)
    correct = models.BooleanField(null=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    counted = models.BooleanField(default=True, help_text="False when answered after the deadline")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "position"], name="quiz_item_unique_position"),
            models.UniqueConstraint(fields=["sitting", "signature"], name="quiz_item_no_repeat"),
        ]

    def __str__(self) -> str:
        return f"{self.sitting_id}#{self.position} {self.signature}"


class ReviewCard(models.Model):
    """An FSRS card per learner and question (fsrs.Card.to_dict() in `card`)."""

    learner_key = models.CharField(max_length=80, db_index=True)
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    card = models.JSONField()
    due = models.DateTimeField(db_index=True)
    reviews = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner_key", "question"], name="quiz_card_unique")]
        ordering = ["due"]

    def __str__(self) -> str:
        return f"{self.learner_key}: {self.question_id} due {self.due:%Y-%m-%d %H:%M}"
