"""Scenario pages: the list, one scenario's editor and live simulator, and its form actions.

Every view reads the same way, each step once: bind the request (`_visit`: the scenario, its
spec, the learner, and for a POST the documents of the one scenario form, so nothing typed is
lost whichever button was pressed), act (insert, format, apply a fix), run (`_run`: kmslab.lab
decides, nothing here does), record (`_record`), render (`_respond`: the full page, or for htmx
the partials named after the id of the root element each replaces: "result-panel", "editors", ...;
`request.htmx` is the one switch). Bad input (oversized or missing documents, forged values)
becomes an in-page message; a simulator failure becomes one in exactly one place (`_run_documents`).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST, require_safe

from kmslab.endpoint.credentials import reset_learner
from kmslab.lab.lint import spec_fingerprint
from kmslab.lab.objectives import authorizations
from kmslab.lab.result import Outcome, RunResult, StepResult
from kmslab.lab.run import reference_result, run_key, run_scenario
from kmslab.lab.spec import ScenarioError, ScenarioSpec
from kmslab.learner import learner_key
from kmslab.rows import get_row
from kmslab.urlmemo import reverse
from kmslab.textsafe import lone_surrogate_escape, surrogate_finding, visible

from scenarios import present, progress
from scenarios.jinja import remembered_panel
from scenarios.forms import POLICY_KINDS, InsertError, StatementBuilderForm, format_json, insert_statement
from scenarios.lessonlinks import assigning_classes, lesson_links
from scenarios.models import Attempt, Progress, Scenario

log = logging.getLogger(__name__)
# SIMULATION: a per-document cap of this lab (64 KB) so a pasted novel cannot tie up the server;
# AWS's own limits (key policy 32 KB, IAM policies 2,048-10,240 characters) are the engine's findings.
MAX_CHARS = progress.MAX_DOCUMENT_CHARS
PAGE = "scenarios/scenario.html"
_BUG = "The simulator failed on these documents (a bug in KMS Lab, logged for the team). Your documents were saved."
_LONG_NUMBER = re.compile(r"\d{4301}")
URL_NAMES = ("detail", "simulate", "statement", "format", "reset", "hint", "solution", "fix")


@dataclass
class Visit:
    """One request to a scenario, bound: the row, its spec, the learner, and (for a POST) the
    documents sent with what was wrong with them."""

    request: HttpRequest
    scenario: Scenario
    spec: ScenarioSpec
    key: str  # the learner
    documents: dict[str, str]
    problems: list[str] = field(default_factory=list)
    blocked: bool = False  # a document was refused (too large): do not run
    row: Progress | None = None  # the learner's Progress, once read or saved


# --------------------------------------------------------------------------- helpers


def _visit(request: HttpRequest, slug: str) -> Visit:
    """Bind a request: load the scenario (404 if unpublished or broken) and, for a POST, read the
    documents from the one scenario form (so nothing typed is lost whichever button was pressed)."""
    scenario = get_row(Scenario, exclude=("data",), slug=slug)  # the ORM's get() costs 0.5 ms more
    if scenario is None:
        raise Http404("no such scenario")
    if not scenario.is_published and not getattr(request.user, "is_staff", False):
        raise Http404("no such scenario")
    try:
        spec = scenario.spec()
    except ScenarioError as exc:
        log.warning("scenario %s is broken: %s", slug, exc)
        raise Http404("this scenario cannot be shown: its definition has an error") from exc
    key = learner_key(request)
    if request.method != "POST":
        row = progress.saved(key, scenario)
        return Visit(request, scenario, spec, key, progress.documents_of(scenario, row), row=row)
    post = request.POST
    complete = all(d.name in post and len(post.get(d.name, "")) <= MAX_CHARS for d in spec.editable)
    # the saved text is only needed for what is missing or refused (saves a query per keystroke)
    visit = Visit(request, scenario, spec, key,
                  spec.starting_documents() if complete else progress.current_documents(key, scenario))
    for doc in spec.editable:
        if doc.name not in post:
            visit.problems.append(f"{doc.title} was not sent with the form; your saved text was used.")
            continue
        value = post.get(doc.name, "")
        if len(value) > MAX_CHARS:
            visit.problems.append(
                f"{doc.title} is {len(value):,} characters, over the {MAX_CHARS:,}-character limit of this lab: "
                "it was not run or saved, and your previously saved text is shown.")
            visit.blocked = True
            continue
        if "\x00" in value:
            value = value.replace("\x00", "\ufffd")
            visit.problems.append(f"{doc.title} contained NUL characters; they were replaced with �.")
        visit.documents[doc.name] = value.replace("\r\n", "\n")
    return visit


def _run(visit: Visit) -> RunResult | None:
    """The run of the visit's documents; the one place a runner failure becomes a message instead of a 500."""
    if visit.blocked:
        return None
    return _run_documents(visit.spec, visit.documents, visit.problems)


def _run_documents(spec: ScenarioSpec, documents: Mapping[str, str], problems: list[str]) -> RunResult | None:
    """Where a learner's documents are first read as JSON: a lone surrogate escape stops the run with
    a finding, a runner failure becomes a message instead of a 500."""
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


def _record(visit: Visit, result: RunResult | None) -> Progress:
    """Save the learner's documents and, with a result, one attempt."""
    visit.row = progress.record_attempt(visit.key, visit.scenario, visit.documents, result)
    return visit.row


def _last_good(visit: Visit) -> RunResult | None:
    """The learner's most recent run that was not invalid, run again (shown marked stale)."""
    last = get_row(Attempt, exclude=("reason",), order="-id", learner_key=visit.key,
                   scenario=visit.scenario.pk, outcome__ne="invalid")
    docs = last.documents if last is not None else None
    if not isinstance(docs, dict):
        return None
    merged = visit.spec.starting_documents() | {k: visible(v) for k, v in docs.items() if isinstance(v, str)}
    return _run_documents(visit.spec, merged, [])


def _used_actions(spec: ScenarioSpec) -> frozenset[str]:
    try:
        steps = reference_result(spec).steps
    except Exception:  # the builder still works without the marks
        log.exception("reference_result failed for %s", spec.slug)
        return frozenset()
    return frozenset(a for s in steps for c in s.calls for a, _ in authorizations(c))


def steps_decided_differently(mine: RunResult | None, reference: RunResult) -> list[int]:
    """Indexes of the steps the two runs decide differently: the step's outcome, or the verdict
    (and error) of any call in its chain. Compares the engine's decisions, never the text."""
    if mine is None or mine.outcome is Outcome.INVALID:
        return [s.index for s in reference.steps]

    def decided(step: StepResult) -> tuple[object, ...]:
        return (step.outcome, tuple((c.action, c.resource, c.decision.verdict if c.decision else None, c.error_code)
                                    for c in step.calls))

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


def _urls(slug: str) -> dict[str, str]:
    """The page's URLs (eight reverse() calls, remembered: kmslab.urlmemo)."""
    return {name: reverse(f"scenarios:{name}", args=[slug]) for name in URL_NAMES}


def _context(visit: Visit, result: RunResult | None, row: Progress | None = None, **extra: object) -> dict[str, object]:
    """Everything the page and its partials need. `row` is the learner's Progress when the
    caller already has it (record_attempt returns it; a GET reads it once), saving queries."""
    spec, request = visit.spec, visit.request
    valid = result is not None and result.outcome is not Outcome.INVALID
    stale = None if valid else _last_good(visit)
    latest = result or stale
    run = result if valid else stale
    row = row if row is not None else visit.row
    if row is not None:
        shown = row.hints_shown
    else:  # a GET read the row already: none means no hint shown
        shown = 0 if visit.request.method != "POST" else progress.hints_shown(visit.key, visit.scenario)
    if row is not None:
        attempted = row.attempts > 0 or progress.has_attempted(visit.key, visit.scenario)
    else:  # a GET read the row already: record_attempt writes one beside every attempt
        attempted = visit.request.method == "POST" and progress.has_attempted(visit.key, visit.scenario)
    # A page view of a valid run shows a panel that is a function of the run and the page's URLs
    # alone: rendered once per run key (scenarios.jinja), and what it shows is then not prepared.
    panel_key = None
    if request.method == "GET" and not request.htmx and valid and not visit.problems and not extra:
        panel_key = ("page", run_key(spec, visit.documents), spec.slug, get_script_prefix())
    skip = panel_key is not None and remembered_panel(panel_key) is not None
    ctx: dict[str, object] = {
        "scenario": visit.scenario, "spec": spec, "result": result, "stale": stale, "panel_key": panel_key,
        "shown": present.show(run, spec) if run is not None and not skip else None,
        "notes": latest.notes if latest is not None else spec.notes,
        "problems": list(visit.problems),
        "editors": [(d, visit.documents.get(d.name, d.text)) for d in spec.editable],
        "readonly": spec.readonly,
        "hints": spec.hints[:shown], "hints_total": len(spec.hints), "hints_left": len(spec.hints) - shown,
        "can_see_solution": attempted,
        "max_chars": MAX_CHARS,
        "spec_key": spec_fingerprint(spec),  # the cache key of the page's parts that only the spec decides
        "urls": _urls(spec.slug),
        **present.ENUMS,
    }
    if not request.htmx:  # outside every partial: the page's links to its lesson and classes
        ctx["lesson_links"] = lesson_links(spec.slug)
        ctx["classes"] = assigning_classes(visit.scenario, visit.key)
    if "builder" in extra:
        ctx["show_builder"] = True
    elif not request.htmx:  # htmx partials never show a fresh builder
        # A fresh builder is the same for every learner of a spec: its rendering is cached under
        # the spec's fingerprint, and the form is only made when that rendering is not cached.
        ctx["show_builder"] = any(d.kind in POLICY_KINDS for d in spec.editable)  # a policy to insert into
        ctx["builder"] = SimpleLazyObject(lambda: StatementBuilderForm(spec, used_actions=_used_actions(spec)))
        ctx["builder_cached"] = True  # under spec_key
    ctx.update(extra)
    return ctx


def _respond(visit: Visit, ctx: dict[str, object], main: str, *oob: str) -> HttpResponse:
    """The full page, or for htmx the `main` partial followed by out-of-band partials (each
    partial is named after the id of its root element, the hx-target that it replaces). Every
    run also sends the Solution controls, so whether they are unlocked follows the latest run."""
    request = visit.request
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
    scenarios = list(Scenario.objects.filter(is_published=True).defer("data"))
    statuses = progress.status_for(learner_key(request), scenarios)
    rows = [(s, statuses.get(s.slug, "not-started")) for s in scenarios]
    return render(request, "scenarios/index.html", {"rows": rows})


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    visit = _visit(request, slug)
    return render(request, PAGE, _context(visit, _run(visit)))


@require_POST
def simulate(request: HttpRequest, slug: str) -> HttpResponse:
    visit = _visit(request, slug)
    result = _run(visit)
    row = _record(visit, result)
    return _respond(visit, _context(visit, result, row), "result-panel", *(("editors",) if visit.blocked else ()))


@require_POST
def statement(request: HttpRequest, slug: str) -> HttpResponse:
    visit = _visit(request, slug)
    spec = visit.spec
    form = StatementBuilderForm(spec, request.POST, used_actions=_used_actions(spec))
    changed: dict[str, object] | None = None
    if visit.blocked:
        form.is_valid()
        form.add_error(None, "a document is over the size limit: shorten it before inserting")
    elif form.is_valid():
        name = str(form.cleaned_data["document"])
        before = visit.documents.get(name, "")
        try:
            after = insert_statement(before, form.statement(before))
        except InsertError as exc:
            form.add_error("document", str(exc))
        else:
            visit.documents[name] = after
            doc = spec.document(name)
            changed = {"summary": f"Inserted a statement into {doc.title if doc else name}.", "risky": False,
                       "warning": "", "diff": diff_lines(before, after, "before", "after")}
    result = _run(visit)
    row = _record(visit, result)
    ctx = _context(visit, result, row, builder=form, changed=changed)
    return _respond(visit, ctx, "statement-builder", "editors", "result-panel")


@require_POST
def format_documents(request: HttpRequest, slug: str) -> HttpResponse:
    visit = _visit(request, slug)
    if not visit.blocked:
        for doc in visit.spec.editable:
            try:
                visit.documents[doc.name] = format_json(visit.documents[doc.name])
            except InsertError as exc:
                visit.problems.append(f"{doc.title} was not formatted: {exc}.")
    result = _run(visit)
    row = _record(visit, result)
    return _respond(visit, _context(visit, result, row), "result-panel", "editors")


@require_POST
def reset(request: HttpRequest, slug: str) -> HttpResponse:
    visit = _visit(request, slug)
    visit.documents = progress.reset_documents(visit.key, visit.scenario)
    visit.problems = ["Back to the starting documents (your earlier attempts stay in your history)."]
    if reset_learner(visit.key, visit.scenario):  # the real-CLI lab too: new keys, no resources
        visit.problems.append("Your AWS CLI lab was emptied and its keys replaced: download the AWS config again.")
    visit.blocked = False
    if not request.htmx:
        return redirect(reverse("scenarios:detail", args=[slug]))
    response = _respond(visit, _context(visit, _run(visit)), "result-panel", "editors")
    response["HX-Trigger"] = "kl-calls-changed"  # the API calls panel empties now, not at its next poll
    return response


@require_POST
def hint(request: HttpRequest, slug: str) -> HttpResponse:
    visit = _visit(request, slug)
    _record(visit, None)  # keep what they typed
    shown = progress.reveal_hint(visit.key, visit.scenario)
    if not request.htmx:
        return redirect(reverse("scenarios:detail", args=[slug]) + "#hints")
    spec = visit.spec
    ctx = {"spec": spec, "hints": spec.hints[:shown], "hints_total": len(spec.hints),
           "hints_left": len(spec.hints) - shown, "urls": _urls(spec.slug)}
    return HttpResponse(render_to_string(f"{PAGE}#hints", ctx, request))


@require_POST
def solution(request: HttpRequest, slug: str) -> HttpResponse:
    visit = _visit(request, slug)
    spec = visit.spec
    _record(visit, None)
    view = "diff" if request.POST.get("show") == "diff" else "solution"
    panel: dict[str, object] = {"view": view, "allowed": progress.has_attempted(visit.key, visit.scenario), "docs": []}
    if panel["allowed"] and view == "diff" and not visit.blocked:
        try:
            mine = _run(visit)
            panel["differing_steps"] = steps_decided_differently(mine, reference_result(spec))
            panel["compared"], panel["solved"] = True, bool(mine and mine.solved)
        except Exception:  # the comparison is a courtesy: the diff still shows without it
            log.exception("comparing with the reference failed for %s", spec.slug)
    if panel["allowed"]:
        panel["docs"] = [
            {"title": d.title, "name": d.name, "text": spec.solution[d.name],
             "diff": diff_lines(visit.documents.get(d.name, ""), spec.solution[d.name], "yours", "solution")}
            for d in spec.editable if d.name in spec.solution
        ]
    if not request.htmx:
        return render(request, PAGE, _context(visit, _run(visit), solution=panel))
    return HttpResponse(render_to_string(f"{PAGE}#solution-panel", {"solution": panel, "spec": spec}, request))


@require_POST
def fix(request: HttpRequest, slug: str) -> HttpResponse:
    visit = _visit(request, slug)
    changed: dict[str, object] | None = None
    raw = request.POST.get("fix", "")
    index = int(raw) if raw.isdigit() and len(raw) < 4 else 0
    before_run = _run(visit)
    step = next((s for s in before_run.steps if s.index == index), None) if before_run else None
    offer = step.fix if step is not None else None
    if before_run is not None and (offer is None or not offer.applicable or offer.fix is None):
        visit.problems.append("That fix no longer applies to your documents (they changed since); "
                              "the result below is for what you have now.")
    elif offer is not None and offer.fix is not None:
        name, after = offer.document, offer.new_text
        before = visit.documents.get(name, "")
        visit.documents[name] = after
        summary = f"Applied fix: {offer.applies}."
        if offer.then:
            summary += f" Still needed: {offer.then}."
        changed = {"summary": summary, "risky": offer.fix.risky,
                   "warning": offer.fix.warning, "diff": diff_lines(before, after, "before", "after")}
    result = before_run if changed is None else _run(visit)
    row = _record(visit, result)
    return _respond(visit, _context(visit, result, row, changed=changed), "result-panel", "editors")
