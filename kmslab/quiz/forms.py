"""Forms for starting a sitting. Bad values get a form error, never a 500."""

from __future__ import annotations

from django import forms

from kmslab.quiz.models import Mode
from kmslab.quiz.progress import OBJECTIVES
from kmslab.quiz.sittings import EXAM_LENGTHS, EXAM_MINUTES, TOPICS

OBJECTIVE_CHOICES = [("", "All objectives")] + [(str(n), f"{n}. {t}") for n, t in OBJECTIVES.items()]


class StartForm(forms.Form):
    mode = forms.ChoiceField(choices=Mode.choices)
    objective = forms.TypedChoiceField(choices=OBJECTIVE_CHOICES, required=False, coerce=int, empty_value=None)
    length = forms.TypedChoiceField(choices=[(str(n), f"{n} questions") for n in EXAM_LENGTHS], coerce=int,
                                    required=False, empty_value=10)
    minutes = forms.TypedChoiceField(choices=[(str(n), f"{n} minutes") for n in EXAM_MINUTES], coerce=int,
                                     required=False, empty_value=20)
    topic = forms.ChoiceField(choices=[("", "All topics")] + [(t, t) for t in TOPICS], required=False)
