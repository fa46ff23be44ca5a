"""Scenario pages: the list, one scenario's editor and live simulator, and its form actions.

Each POST endpoint reads the learner's documents from the one scenario form (so nothing typed
is lost whichever button was pressed), saves them, runs the scenario through the runner (the
engine decides; nothing here does), and answers with the full page, or for htmx the partials
named after the root element ids they replace ("result-panel", "editors", ...).
Bad input (oversized or missing documents, forged values) becomes an in-page message; runner
exceptions are translated to a message in exactly one place (`_run`).
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST, require_safe

from kmslab.learner import learner_key
from kmslab.textsafe import lone_surrogate_escape, surrogate_finding, visible

from scenarios import progress
from scenarios.forms import InsertError, StatementBuilderForm, format_json, insert_statement
from scenarios.lessonlinks import assigning_classes, lesson_links
from scenarios.models import Attempt, Progress, Scenario
from scenarios.runner import RunResult, StatementRef, reference_result, run_scenario
from scenarios.spec import ScenarioError, ScenarioSpec

log = logging.getLogger(__name__)
# SIMULATION: a per-document cap of this lab (64 KB) so a pasted novel cannot tie up the server;
# AWS's own limits (key policy 32 KB, IAM policies 2,048-10,240 characters) are the engine's findings.
MAX_CHARS = progress.MAX_DOCUMENT_CHARS
PAGE = "scenarios/scenario.html"
_BUG = "The simulator failed on these documents (a bug in KMS Lab, logged for the team). Your documents were saved."
_LONG_NUMBER = re.compile(r"\d{4301}")
_SPECS: dict[tuple[object, ...], ScenarioSpec] = {}


@dataclass
class Posted:
    """The documents of one request, and what was wrong with what came in."""

    documents: dict[str, str]
    problems: list[str] = field(default_factory=list)
    blocked: bool = False  # a document was refused (too large): do not run


# --------------------------------------------------------------------------- helpers


def _load(request: HttpRequest, slug: str) -> tuple[Scenario, ScenarioSpec]:
    scenario = get_object_or_404(Scenario, slug=slug)
    if not scenario.is_published and not getattr(request.user, "is_staff", False):
        raise Http404("no such scenario")
    try:
        return scenario, _spec(scenario)
    except ScenarioError as exc:
        log.warning("scenario %s is broken: %s", slug, exc)
        raise Http404("this scenario cannot be shown: its definition has an error") from exc


def _spec(scenario: Scenario) -> ScenarioSpec:
    """The row's checked spec, reused while the row is unchanged (a pure value derived from the
    database, like the runner's caches; an admin edit changes `updated_at` and so the key)."""
    cache_key = (scenario.pk, scenario.updated_at)
    spec = _SPECS.get(cache_key)
    if spec is None:
        if len(_SPECS) >= 64:
            _SPECS.clear()
        spec = _SPECS[cache_key] = scenario.spec()
    return spec


def _posted(request: HttpRequest, scenario: Scenario, spec: ScenarioSpec, key: str) -> Posted:
    complete = all(d.name in request.POST and len(request.POST.get(d.name, "")) <= MAX_CHARS for d in spec.editable)
    # the saved text is only needed for what is missing or refused (saves a query per keystroke)
    posted = Posted(spec.starting_documents() if complete else progress.current_documents(key, scenario))
    for doc in spec.editable:
        if doc.name not in request.POST:
            posted.problems.append(f"{doc.title} was not sent with the form; your saved text was used.")
            continue
        value = request.POST.get(doc.name, "")
        if len(value) > MAX_CHARS:
            posted.problems.append(
                f"{doc.title} is {len(value):,} characters, over the {MAX_CHARS:,}-character limit of this lab: "
                "it was not run or saved, and your previously saved text is shown.")
            posted.blocked = True
            continue
        if "\x00" in value:
            value = value.replace("\x00", "\ufffd")
            posted.problems.append(f"{doc.title} contained NUL characters; they were replaced with �.")
        posted.documents[doc.name] = value.replace("\r\n", "\n")
    return posted


def _run(spec: ScenarioSpec, documents: Mapping[str, str], problems: list[str]) -> RunResult | None:
    """The one place a runner failure becomes a message instead of a 500, and where a learner's
    documents are first read as JSON: a lone surrogate escape stops the run with a finding."""
    for doc in spec.editable:
        escape = lone_surrogate_escape(documents.get(doc.name, ""))
        if escape is not None:
            problems.append(surrogate_finding(doc.title, escape))
            return None
    try:
        return run_scenario(spec, documents)
    except ValueError as exc:
        if "integer string conversion" not in str(exc):  # Python's 4,300-digit limit on int()
            log.exception("run_scenario failed for %s", spec.slug)
            problems.append(_BUG)
            return None
        title = next((d.title for d in spec.editable if _LONG_NUMBER.search(documents.get(d.name, ""))), "A document")
        problems.append(f"{title} contains a number with more than 4,300 digits, which KMS Lab does not read "
                        "(no AWS parameter or policy value is anywhere near that long). Shorten it; nothing was run.")
        return None
    except Exception:  # a simulator bug must not cost the learner their page or their work
        log.exception("run_scenario failed for %s", spec.slug)
        problems.append(_BUG)
        return None


def _last_good(key: str, scenario: Scenario, spec: ScenarioSpec) -> RunResult | None:
    """The learner's most recent run that was not invalid, run again (shown marked stale)."""
    docs = (Attempt.objects.filter(learner_key=key, scenario=scenario).exclude(outcome="invalid")
            .values_list("documents", flat=True).first())
    if not isinstance(docs, dict):
        return None
    merged = spec.starting_documents() | {k: visible(v) for k, v in docs.items() if isinstance(v, str)}
    return _run(spec, merged, [])


def _used_actions(spec: ScenarioSpec) -> frozenset[str]:
    try:
        steps = reference_result(spec).steps
    except Exception:  # the builder still works without the marks
        log.exception("reference_result failed for %s", spec.slug)
        return frozenset()
    return frozenset(a for s in steps for c in s.calls for a, _ in (c.authorizations or ((c.action, c.resource),)))


def _focus_refs(result: RunResult | None) -> list[StatementRef]:
    """Statements to highlight in the editors: the failing step's deciding ones, else all."""
    if result is None:
        return []
    failing = result.failing_step
    steps = [failing] if failing is not None else list(result.steps)
    return [r for s in steps for r in s.deciding if r.document and r.span.line]


def _diagram_call(result: RunResult | None) -> tuple[str, str, str]:
    """(caller label, operation, caller ARN) for the diagram: the failing step's failing call,
    else the last KMS call."""
    if result is None:
        return "", "", ""
    failing = result.failing_step
    steps = [failing] if failing is not None else list(reversed(result.steps))
    for step in steps:
        calls = [c for c in step.calls if c.verdict]
        pick = next((c for c in calls if c.verdict != "Allowed"), None) or next(
            (c for c in reversed(calls) if c.service == "kms"), None) or (calls[-1] if calls else None)
        if pick is not None:
            return pick.caller_label, pick.action, pick.caller
    return "", "", ""


def steps_decided_differently(mine: RunResult | None, reference: RunResult) -> list[int]:
    """Indexes of the steps the two runs decide differently: the step's outcome, or the verdict
    (and error) of any call in its chain. Compares the engine's decisions, never the text."""
    if mine is None or mine.outcome == "invalid":
        return [s.index for s in reference.steps]

    def decided(step: object) -> tuple[object, ...]:
        return (step.outcome, tuple((c.action, c.resource, c.verdict, c.error_code) for c in step.calls))  # type: ignore[attr-defined]

    ours = {s.index: decided(s) for s in mine.steps}
    return [s.index for s in reference.steps if ours.get(s.index) != decided(s)]


def diff_lines(old: str, new: str, old_name: str, new_name: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) pairs, kind in add/del/hunk/meta/same (rendered escaped)."""
    out: list[tuple[str, str]] = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name, lineterm="", n=2):
        kind = ("meta" if line.startswith(("---", "+++")) else "hunk" if line.startswith("@@")
                else "add" if line.startswith("+") else "del" if line.startswith("-") else "same")
        out.append((kind, line))
    return out


def _urls(spec: ScenarioSpec) -> dict[str, str]:
    return dict(_urls_for(spec.slug))


@functools.lru_cache(maxsize=128)
def _urls_for(slug: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, reverse(f"scenarios:{name}", args=[slug]))
                 for name in ("detail", "simulate", "statement", "format", "reset", "hint", "solution", "fix"))


def _context(request: HttpRequest, scenario: Scenario, spec: ScenarioSpec, key: str,
             documents: Mapping[str, str], result: RunResult | None, problems: Iterable[str] = (),
             row: Progress | None = None, **extra: object) -> dict[str, object]:
    """Everything the page and its partials need. `row` is the learner's Progress when the
    caller already has it (record_attempt returns it), saving two queries per keystroke."""
    stale = None
    if result is None or result.outcome == "invalid":
        stale = _last_good(key, scenario, spec)
    caller_label, operation, caller = _diagram_call(result if stale is None else stale)
    latest = result or stale
    shown = row.hints_shown if row is not None else progress.hints_shown(key, scenario)
    attempted = row.attempts > 0 if row is not None else progress.has_attempted(key, scenario)
    ctx: dict[str, object] = {
        "scenario": scenario, "spec": spec, "result": result, "stale": stale,
        "shown": result if result is not None and result.outcome != "invalid" else stale,
        "notes": latest.notes if latest is not None else spec.notes,
        "problems": list(problems), "focus_refs": _focus_refs(result if stale is None else stale),
        "editors": [(d, documents.get(d.name, d.text)) for d in spec.editable],
        "readonly": spec.readonly,
        "hints": spec.hints[:shown], "hints_total": len(spec.hints), "hints_left": len(spec.hints) - shown,
        "can_see_solution": attempted,
        "diagram_caller": caller_label, "diagram_operation": operation, "diagram_caller_arn": caller,
        "max_chars": MAX_CHARS,
        "urls": _urls(spec),
    }
    if not request.htmx:  # outside every partial: the page's links to its lesson and classes
        ctx["lesson_links"] = lesson_links(spec.slug)
        ctx["classes"] = assigning_classes(scenario, key)
    if "builder" not in extra and not request.htmx:  # htmx partials never show a fresh builder
        builder = StatementBuilderForm(spec, used_actions=_used_actions(spec))
        ctx["builder"] = builder if builder.document_kinds else None  # no policy to insert into
    ctx.update(extra)
    return ctx


def _respond(request: HttpRequest, ctx: dict[str, object], main: str, *oob: str) -> HttpResponse:
    """The full page, or for htmx the `main` partial followed by out-of-band partials. Every run
    also sends the Solution controls, so whether they are unlocked follows the latest run."""
    if not request.htmx:
        response = render(request, PAGE, ctx)
    else:
        oob += ("solution-controls",)
        parts = [render_to_string(f"{PAGE}#{main}", ctx, request)]
        parts += [render_to_string(f"{PAGE}#{name}", ctx | {"oob": True}, request) for name in oob]
        response = HttpResponse("".join(parts))
    patch_vary_headers(response, ["HX-Request"])  # same URL, two representations
    return response


# --------------------------------------------------------------------------- pages


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    scenarios = list(Scenario.objects.filter(is_published=True))
    statuses = progress.status_for(learner_key(request), scenarios)
    rows = [(s, statuses.get(s.slug, "not-started")) for s in scenarios]
    return render(request, "scenarios/index.html", {"rows": rows})


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    scenario, spec = _load(request, slug)
    key = learner_key(request)
    documents = progress.current_documents(key, scenario)
    problems: list[str] = []
    result = _run(spec, documents, problems)
    return render(request, PAGE, _context(request, scenario, spec, key, documents, result, problems))


@require_POST
def simulate(request: HttpRequest, slug: str) -> HttpResponse:
    scenario, spec = _load(request, slug)
    key = learner_key(request)
    posted = _posted(request, scenario, spec, key)
    result = None if posted.blocked else _run(spec, posted.documents, posted.problems)
    row = progress.record_attempt(key, scenario, posted.documents, result)
    ctx = _context(request, scenario, spec, key, posted.documents, result, posted.problems, row=row)
    return _respond(request, ctx, "result-panel", *(("editors",) if posted.blocked else ()))


@require_POST
def statement(request: HttpRequest, slug: str) -> HttpResponse:
    scenario, spec = _load(request, slug)
    key = learner_key(request)
    posted = _posted(request, scenario, spec, key)
    form = StatementBuilderForm(spec, request.POST, used_actions=_used_actions(spec))
    changed: dict[str, object] | None = None
    if posted.blocked:
        form.is_valid()
        form.add_error(None, "a document is over the size limit: shorten it before inserting")
    elif form.is_valid():
        name = str(form.cleaned_data["document"])
        before = posted.documents.get(name, "")
        try:
            after = insert_statement(before, form.statement(before))
        except InsertError as exc:
            form.add_error("document", str(exc))
        else:
            posted.documents[name] = after
            title = spec.document(name).title if spec.document(name) else name  # type: ignore[union-attr]
            changed = {"summary": f"Inserted a statement into {title}.", "risky": False, "warning": "",
                       "diff": diff_lines(before, after, "before", "after")}
    result = None if posted.blocked else _run(spec, posted.documents, posted.problems)
    row = progress.record_attempt(key, scenario, posted.documents, result)
    ctx = _context(request, scenario, spec, key, posted.documents, result, posted.problems, row=row,
                   builder=form, changed=changed)
    return _respond(request, ctx, "statement-builder", "editors", "result-panel")


@require_POST
def format_documents(request: HttpRequest, slug: str) -> HttpResponse:
    scenario, spec = _load(request, slug)
    key = learner_key(request)
    posted = _posted(request, scenario, spec, key)
    if not posted.blocked:
        for doc in spec.editable:
            try:
                posted.documents[doc.name] = format_json(posted.documents[doc.name])
            except InsertError as exc:
                posted.problems.append(f"{doc.title} was not formatted: {exc}.")
    result = None if posted.blocked else _run(spec, posted.documents, posted.problems)
    row = progress.record_attempt(key, scenario, posted.documents, result)
    ctx = _context(request, scenario, spec, key, posted.documents, result, posted.problems, row=row)
    return _respond(request, ctx, "result-panel", "editors")


@require_POST
def reset(request: HttpRequest, slug: str) -> HttpResponse:
    scenario, spec = _load(request, slug)
    key = learner_key(request)
    documents = progress.reset_documents(key, scenario)
    if not request.htmx:
        return redirect(reverse("scenarios:detail", args=[slug]))
    problems: list[str] = ["Back to the starting documents (your earlier attempts stay in your history)."]
    result = _run(spec, documents, problems)
    ctx = _context(request, scenario, spec, key, documents, result, problems)
    return _respond(request, ctx, "result-panel", "editors")


@require_POST
def hint(request: HttpRequest, slug: str) -> HttpResponse:
    scenario, spec = _load(request, slug)
    key = learner_key(request)
    posted = _posted(request, scenario, spec, key)
    progress.record_attempt(key, scenario, posted.documents, None)  # keep what they typed
    progress.reveal_hint(key, scenario)
    if not request.htmx:
        return redirect(reverse("scenarios:detail", args=[slug]) + "#hints")
    shown = progress.hints_shown(key, scenario)
    ctx = {"spec": spec, "hints": spec.hints[:shown], "hints_total": len(spec.hints),
           "hints_left": len(spec.hints) - shown, "urls": _urls(spec)}
    return HttpResponse(render_to_string(f"{PAGE}#hints", ctx, request))


@require_POST
def solution(request: HttpRequest, slug: str) -> HttpResponse:
    scenario, spec = _load(request, slug)
    key = learner_key(request)
    posted = _posted(request, scenario, spec, key)
    progress.record_attempt(key, scenario, posted.documents, None)
    view = "diff" if request.POST.get("show") == "diff" else "solution"
    panel: dict[str, object] = {"view": view, "allowed": progress.has_attempted(key, scenario), "docs": []}
    if panel["allowed"] and view == "diff" and not posted.blocked:
        try:
            mine = _run(spec, posted.documents, posted.problems)
            panel["differing_steps"] = steps_decided_differently(mine, reference_result(spec))
            panel["compared"], panel["solved"] = True, bool(mine and mine.solved)
        except Exception:  # the comparison is a courtesy: the diff still shows without it
            log.exception("comparing with the reference failed for %s", spec.slug)
    if panel["allowed"]:
        panel["docs"] = [
            {"title": d.title, "name": d.name, "text": spec.solution[d.name],
             "diff": diff_lines(posted.documents.get(d.name, ""), spec.solution[d.name], "yours", "solution")}
            for d in spec.editable if d.name in spec.solution
        ]
    if not request.htmx:
        result = None if posted.blocked else _run(spec, posted.documents, posted.problems)
        ctx = _context(request, scenario, spec, key, posted.documents, result, posted.problems, solution=panel)
        return render(request, PAGE, ctx)
    return HttpResponse(render_to_string(f"{PAGE}#solution-panel", {"solution": panel, "spec": spec}, request))


@require_POST
def fix(request: HttpRequest, slug: str) -> HttpResponse:
    scenario, spec = _load(request, slug)
    key = learner_key(request)
    posted = _posted(request, scenario, spec, key)
    changed: dict[str, object] | None = None
    raw = request.POST.get("fix", "")
    index = int(raw) if raw.isdigit() and len(raw) < 4 else 0
    before_run = None if posted.blocked else _run(spec, posted.documents, posted.problems)
    step = next((s for s in before_run.steps if s.index == index), None) if before_run else None
    if before_run is not None and (step is None or step.fix is None or not step.fix.applicable):
        posted.problems.append("That fix no longer applies to your documents (they changed since); "
                               "the result below is for what you have now.")
    elif step is not None and step.fix is not None:
        name, after = step.fix.document, step.fix.new_text
        before = posted.documents.get(name, "")
        posted.documents[name] = after
        summary = f"Applied fix: {step.fix.applies}."
        if step.fix.then:
            summary += f" Still needed: {step.fix.then}."
        changed = {"summary": summary, "risky": step.fix.risky,
                   "warning": step.fix.warning, "diff": diff_lines(before, after, "before", "after")}
    result = before_run if changed is None else _run(spec, posted.documents, posted.problems)
    row = progress.record_attempt(key, scenario, posted.documents, result)
    ctx = _context(request, scenario, spec, key, posted.documents, result, posted.problems, row=row,
                   changed=changed)
    return _respond(request, ctx, "result-panel", "editors")
