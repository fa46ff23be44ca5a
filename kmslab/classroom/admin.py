"""Admin: classes and memberships (instructors are users in the "instructors" group)."""

from __future__ import annotations

from django.contrib import admin

from kmslab.classroom.models import Classroom, Membership


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    fields = ["display_name", "learner_key", "joined_at"]
    readonly_fields = ["learner_key", "joined_at"]


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "code", "owner", "is_open", "assigns_quiz", "created_at"]
    list_filter = ["is_open", "assigns_quiz"]
    search_fields = ["name", "code", "owner__username"]
    readonly_fields = ["code", "created_at"]
    filter_horizontal = ["scenarios"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["display_name", "classroom", "learner_key", "joined_at"]
    search_fields = ["display_name", "classroom__code", "classroom__name"]
    readonly_fields = ["learner_key", "joined_at"]
