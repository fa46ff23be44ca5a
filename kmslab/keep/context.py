"""`anonymous_work_days` for the footer's note on how long anonymous work is kept."""

from __future__ import annotations

from django.http import HttpRequest

from kmslab.keep.views import work_days


def keep(request: HttpRequest) -> dict[str, object]:
    return {"anonymous_work_days": work_days()}
