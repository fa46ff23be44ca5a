from django.contrib import admin

from kmslab.quiz.models import Item, Question, ReviewCard, Sitting


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["slug", "qtype", "objective", "domain", "task", "difficulty", "active", "source"]
    list_filter = ["qtype", "objective", "domain", "task", "difficulty", "active"]
    search_fields = ["slug", "prompt", "explanation"]
    list_editable = ["active"]


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0
    fields = ["position", "signature", "objective", "correct", "counted", "answered_at"]
    readonly_fields = fields


@admin.register(Sitting)
class SittingAdmin(admin.ModelAdmin):
    list_display = ["id", "learner_key", "mode", "status", "correct", "total", "started_at"]
    list_filter = ["mode", "status"]
    search_fields = ["learner_key"]
    inlines = [ItemInline]


@admin.register(ReviewCard)
class ReviewCardAdmin(admin.ModelAdmin):
    list_display = ["learner_key", "question", "due", "reviews"]
    search_fields = ["learner_key"]
