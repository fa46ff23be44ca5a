"""The class results as CSV: one row per learner, columns per assignment and quiz objective.

Cells a spreadsheet would run as formulas (starting with = + - @ or a control character) are
prefixed with an apostrophe, so a display name like `=HYPERLINK(...)` stays text.
"""

from __future__ import annotations

import csv
import re

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

from kmslab.classroom.dashboard import Dashboard

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def header(dash: Dashboard) -> list[str]:
    cols = ["learner", "joined_at", "solved"]
    for s in dash.scenarios:
        cols += [f"{s.slug} status", f"{s.slug} attempts", f"{s.slug} time_to_solve_seconds",
                 f"{s.slug} stuck_at", f"{s.slug} last_reason"]
    cols += [f"quiz objective {o.number}" for o in dash.objectives]
    return cols


def rows(dash: Dashboard) -> list[list[str]]:
    out = []
    for row in dash.rows:
        line: list[object] = [row.membership.display_name, row.membership.joined_at.isoformat(), row.solved]
        for cell in row.cells:
            seconds = int(cell.time_to_solve.total_seconds()) if cell.time_to_solve is not None else ""
            line += [cell.status, cell.attempts, seconds, cell.stuck_at, cell.reason]
        line += ["" if q is None else f"{q:.0f}" for q in row.quiz]
        out.append([safe_cell(v) for v in line])
    return out


def export_response(dash: Dashboard) -> HttpResponse:
    name = re.sub(r"[^a-z0-9-]", "", slugify(dash.classroom.name))[:40] or "class"
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kmslab-{name}-{dash.classroom.code}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(header(dash))
    writer.writerows(rows(dash))
    return response
