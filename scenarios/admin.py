"""Admin for scenarios: staff edit a scenario's data, clone it, export it as a TOML file.

Saving checks the data with the same loader as the shipped files (`spec_from_dict`), so a
broken scenario is refused with the loader's one-line message instead of breaking the pages.
Edited rows are marked `customized` so `loadscenarios` does not overwrite them.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

import tomli_w

from kmslab.lab.load import spec_from_dict
from kmslab.lab.run import reference_result
from kmslab.lab.spec import ScenarioError
from scenarios.models import Attempt, Progress, Scenario


class ScenarioForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = ["slug", "title", "summary", "level", "order", "is_published", "data"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        data = cleaned.get("data")
        slug = cleaned.get("slug")
        if data is None or not slug:
            return cleaned
        if not isinstance(data, dict):
            raise forms.ValidationError("The scenario data must be a JSON object (the scenario file as a table).")
        data = {**data, "slug": slug}
        try:
            spec = spec_from_dict(data, source=slug)
        except ScenarioError as exc:
            raise forms.ValidationError(str(exc)) from exc
        cleaned["data"] = data
        # keep the list columns in step with the data
        for field in ("title", "summary", "level", "order"):
            if field not in self.changed_data:
                cleaned[field] = getattr(spec, field)
        return cleaned


def _unique_slug(base: str) -> str:
    base = base[:70]
    slug, n = f"{base}-copy", 2
    while Scenario.objects.filter(slug=slug).exists():
        slug, n = f"{base}-copy-{n}", n + 1
    return slug


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    form = ScenarioForm
    list_display = ["title", "slug", "level", "order", "is_published", "customized", "source_file", "updated_at"]
    list_filter = ["level", "is_published", "customized"]
    search_fields = ["title", "slug", "summary"]
    readonly_fields = ["source_file", "customized", "updated_at"]
    actions = ["clone_scenarios", "export_toml", "publish", "unpublish"]

    def save_model(self, request: HttpRequest, obj: Scenario, form: Any, change: bool) -> None:
        obj.customized = True
        super().save_model(request, obj, form, change)
        self._check_reference(request, obj)

    def _check_reference(self, request: HttpRequest, obj: Scenario) -> None:
        """Tell staff at once when their reference solution no longer solves the scenario."""
        try:
            result = reference_result(obj.spec())
        except Exception as exc:  # the row is saved; the warning must not turn into a 500
            self.message_user(request, f"The scenario could not be run ({type(exc).__name__}: {exc}).", messages.WARNING)
            return
        if result.solved:
            return
        failing = result.failing_step
        if result.outcome == "invalid":
            why = "a document has errors: " + ", ".join(f"{d.name}" for d in result.documents if not d.ok)
        elif failing is not None:
            why = f"step {failing.index} {failing.outcome}" + (f" ({failing.error_code})" if failing.error_code else "")
        else:
            why = "unmet objectives: " + ", ".join(o.id for o in result.objectives if not o.met)
        self.message_user(request, f"Warning: the reference solution does not solve this scenario ({why}).",
                          messages.WARNING)

    @admin.action(description="Clone selected scenarios (unpublished copies)")
    def clone_scenarios(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        made = []
        for original in queryset:
            slug = _unique_slug(original.slug)
            data = json.loads(json.dumps(original.data))  # deep copy
            if isinstance(data, dict):
                data["slug"] = slug
                data["title"] = f"{original.title} (copy)"
            Scenario.objects.create(
                slug=slug, title=f"{original.title} (copy)"[:200], summary=original.summary,
                level=original.level, order=original.order, data=data, source_file="",
                is_published=False, customized=True,
            )
            made.append(slug)
        self.message_user(request, f"Created {len(made)} copy(ies): {', '.join(made)}", messages.SUCCESS)

    @admin.action(description="Export selected scenarios as TOML files")
    def export_toml(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> HttpResponse | None:
        files: dict[str, str] = {}
        for row in queryset:
            try:
                if not isinstance(row.data, dict):
                    raise TypeError("its data is not a table")
                files[f"{row.slug}.toml"] = tomli_w.dumps({**row.data, "slug": row.slug}, multiline_strings=True)
            except (TypeError, ValueError) as exc:  # tomli-w refuses what TOML cannot hold (null, ...)
                self.message_user(request, f"{row.slug}: cannot export ({exc})", messages.ERROR)
                return None
        if len(files) == 1:
            name, text = next(iter(files.items()))
            response = HttpResponse(text, content_type="application/toml; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in files.items():
                zf.writestr(name, text)
        response = HttpResponse(buf.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="scenarios.zip"'
        return response

    @admin.action(description="Publish selected scenarios")
    def publish(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        queryset.update(is_published=True)

    @admin.action(description="Unpublish selected scenarios")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        queryset.update(is_published=False)


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["created_at", "learner_key", "scenario", "outcome", "solved", "failing_step", "failing_gate", "error_code"]
    list_filter = ["outcome", "solved", "scenario"]
    search_fields = ["learner_key"]
    readonly_fields = [f.name for f in Attempt._meta.fields]


@admin.register(Progress)
class ProgressAdmin(admin.ModelAdmin):
    list_display = ["learner_key", "scenario", "attempts", "last_outcome", "first_solved_at", "updated_at"]
    list_filter = ["last_outcome", "scenario"]
    search_fields = ["learner_key"]
