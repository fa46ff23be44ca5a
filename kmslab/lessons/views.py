"""Lesson pages: an overview with progress, and one page per section with previous/next.

Opening a section marks it read (for the session, or the database when logged in).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST, require_safe

from kmslab.lessons import progress
from kmslab.lessons.content import DIAGRAM_MARKER, body_html, find, sections
from kmslab.lessons.worked import worked_example_states


def _progress_context(read: set[str]) -> dict[str, object]:
    total = len(sections())
    done = len(read)
    return {
        "sections": sections(),
        "read": read,
        "read_count": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
    }


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    read = progress.read_slugs(request)
    next_unread = next((s for s in sections() if s.slug not in read), None)
    context = _progress_context(read) | {"next_unread": next_unread}
    return render(request, "lessons/index.html", context)


def _with_diagram(slug: str) -> str:
    """The section's HTML with the relationship diagram (the worked example's engine decision)."""
    html = body_html(slug)
    if DIAGRAM_MARKER in html:
        states = worked_example_states()
        diagram = render_to_string("includes/_diagram.html", {
            "diagram_id": f"diagram-{slug}", "key_policy_state": states.key_policy_state,
            "iam_policy_state": states.iam_policy_state, "call_state": states.call_state,
            "operation": states.operation, "caller_label": states.caller_label,
        })
        html = html.replace(DIAGRAM_MARKER, diagram)
    return html


@require_safe
def whole(request: HttpRequest) -> HttpResponse:
    """Every section on one page, for printing or reading offline. Marks nothing read."""
    pages = [(s, mark_safe(_with_diagram(s.slug))) for s in sections()]  # sanitised by nh3; diagram is ours
    return render(request, "lessons/whole.html", {"pages": pages})


@require_safe
def section(request: HttpRequest, slug: str) -> HttpResponse:
    found = find(slug)
    if found is None:
        raise Http404("no such lesson section")
    position, current = found
    progress.mark_read(request, current.slug)
    read = progress.read_slugs(request)
    all_sections = sections()
    html = _with_diagram(current.slug)
    context = _progress_context(read) | {
        "section": current,
        "number": position + 1,
        "body": mark_safe(html),  # sanitised by nh3 in content.render_markdown; diagram is our template
        "previous": all_sections[position - 1] if position > 0 else None,
        "next": all_sections[position + 1] if position + 1 < len(all_sections) else None,
    }
    return render(request, "lessons/section.html", context)


@require_POST
def reset_progress(request: HttpRequest) -> HttpResponse:
    progress.reset(request)
    messages.success(request, "Your lesson progress was reset.")
    return redirect("lessons:index")
