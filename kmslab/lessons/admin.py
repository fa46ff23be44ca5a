from django.contrib import admin

from kmslab.lessons.models import SectionRead


@admin.register(SectionRead)
class SectionReadAdmin(admin.ModelAdmin):
    list_display = ["user", "section", "read_at"]
    list_filter = ["section"]
