"""Forms: an instructor's class, and a learner's join request."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms

from kmslab.classroom.codes import normalize_code
from kmslab.classroom.models import Classroom
from scenarios.models import Scenario

DISPLAY_NAME_MAX = 40


class ClassroomForm(forms.ModelForm):  # type: ignore[type-arg]
    scenarios = forms.ModelMultipleChoiceField(
        queryset=Scenario.objects.filter(is_published=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The scenarios learners in this class work through.",
    )

    class Meta:
        model = Classroom
        fields = ["name", "scenarios", "assigns_quiz", "is_open"]
        error_messages = {"name": {"required": "give the class a name"}}
        help_texts = {
            "name": "Shown to learners when they join, e.g. \u201cDVA-C02 cohort, Tuesday\u201d.",
            "is_open": "Learners can join only while the class is open.",
        }

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("name", "")).split())
        if not name:
            raise forms.ValidationError("give the class a name")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("scenarios") and not data.get("assigns_quiz"):
            raise forms.ValidationError("assign at least one scenario or the quiz")
        return data


def clean_display_name(raw: object) -> str:
    """Collapse white space; refuse control and format characters (they hide or reorder text)."""
    name = " ".join(str(raw or "").split())
    if not name:
        raise forms.ValidationError("enter the name your instructor will see")
    if len(name) > DISPLAY_NAME_MAX:
        raise forms.ValidationError(f"keep the name under {DISPLAY_NAME_MAX + 1} characters")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} for ch in name):
        raise forms.ValidationError("the name contains invisible or control characters")
    return name


class JoinForm(forms.Form):
    code = forms.CharField(
        max_length=40, label="Join code", help_text="6 characters, e.g. K7Q2MX.",
        error_messages={"required": "a join code is 6 letters and digits, e.g. K7Q2MX",
                        "max_length": "a join code is 6 letters and digits, e.g. K7Q2MX"},
    )
    display_name = forms.CharField(
        max_length=200, label="Your name", help_text="What your instructor sees on the class dashboard.",
        error_messages={"required": "enter the name your instructor will see",
                        "max_length": f"keep the name under {DISPLAY_NAME_MAX + 1} characters"},
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data.get("code"))
        if not code:
            raise forms.ValidationError("a join code is 6 letters and digits, e.g. K7Q2MX")
        return code

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data.get("display_name"))
