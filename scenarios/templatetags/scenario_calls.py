"""One call of a step's chain (`{% call_item call step %}`) and CloudTrail records as HTML.

Written with format_html rather than as a template because a run renders dozens of calls and
gates on every keystroke: this keeps the simulate endpoint inside its time budget. Every value
is escaped by format_html; the markup matches what tests and editor.js read (data-gate,
data-gate-verdict, data-call-verdict).
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from scenarios.runner import CallView, GateView, StepResult, TrailRecord
from scenarios.templatetags.scenario_tags import VERDICTS, codeify, line_range, pretty_json

register = template.Library()


def _verdict(verdict: str) -> tuple[str, str, str]:
    return VERDICTS.get(verdict, (verdict, "secondary", "·"))


def _summary(call: CallView) -> SafeString:
    items = []
    for g in call.gates:
        label, color, icon = _verdict(g.verdict)
        deciding = format_html_join("", ' <span class="statement-ref">({})</span>',
                                    ((s.label,) for s in g.statements if s in call.deciding))
        items.append(format_html(
            '<li class="list-inline-item gate-{}" data-gate="{}" data-gate-verdict="{}">{} {}'
            '<span class="visually-hidden"> {}</span>{}{}</li>',
            color, g.gate, g.verdict, g.title, icon, label, deciding,
            "" if g.counted else " (not counted)"))
    return format_html('<ul class="gate-summary list-inline small mb-0">{}</ul>', mark_safe("".join(items)))


def _statements(call: CallView, gate: GateView) -> SafeString:
    if not gate.statements:
        return format_html('<span class="small text-body-secondary">{}</span>', "no statement applies")
    rows = []
    for s in gate.statements:
        deciding = s in call.deciding
        name = format_html('<a href="#doc-{}">{}</a>', s.document, s.label) if s.document else s.label
        where = f", {line_range(s.span)}" if s.span.line else ""
        rows.append(format_html(
            '<div class="small statement-ref effect-{}{}">{} <span class="text-body-secondary">({}{})</span>{}</div>',
            s.effect.lower(), " is-deciding" if deciding else "", name, s.effect, where,
            mark_safe(" <strong>deciding</strong>") if deciding else ""))
    return mark_safe("".join(rows))


def _table(call: CallView, step: StepResult) -> SafeString:
    rows = []
    for g in call.gates:
        label, color, icon = _verdict(g.verdict)
        account = format_html(' <span class="small text-body-secondary fw-normal">({})</span>', g.account) if g.account else ""
        rows.append(format_html(
            '<tr data-gate="{}" data-gate-verdict="{}"{}><th scope="row">{}{}</th>'
            '<td><span class="gate-verdict gate-{}">{} {}</span>{}{}</td><td>{}</td></tr>',
            g.gate, g.verdict, mark_safe(' class="gate-ignored"') if not g.counted else "", g.title, account,
            color, icon, label,
            mark_safe(' <span class="badge text-bg-secondary">not counted</span>') if not g.counted else "",
            format_html('<div class="small">{}</div>', codeify(g.note)) if g.note else "",
            _statements(call, g)))
    return format_html(
        '<div class="table-responsive" tabindex="0" role="region" aria-label="Gates for {} in step {}">'
        '<table class="table table-sm gate-table mb-1"><caption class="visually-hidden">Gates for {}</caption>'
        '<thead><tr><th scope="col">Gate</th><th scope="col">Verdict</th><th scope="col">Statements</th></tr></thead>'
        "<tbody>{}</tbody></table></div>",
        call.action, step.index, call.action, mark_safe("".join(rows)))


@register.simple_tag
def call_item(call: CallView, step: StepResult) -> SafeString:
    label, color, icon = _verdict(call.verdict)
    badge = format_html(' <span class="badge text-bg-{}">{} {}</span>', color, icon, label) if call.verdict else ""
    via = format_html(" via <code>{}</code>", call.via_service) if call.via_service else ""
    context = ""
    if call.encryption_context:
        pairs = format_html_join(", ", "<code>{}</code> = <code>{}</code>", call.encryption_context)
        context = format_html('<div class="small">Encryption context: {}</div>', pairs)
    note = format_html('<div class="small fst-italic">{}</div>', codeify(call.note)) if call.note else ""
    gates: SafeString | str = ""
    if call.gates:
        gates = _summary(call) if step.as_expected else _table(call, step)
    error = (format_html('<div class="aws-error small"><strong>{}</strong>: <code>{}</code></div>',
                         call.error_code, call.error_message) if call.error_code else "")
    return format_html(
        '<li class="call call-depth-{}" data-call-action="{}" data-call-verdict="{}">'
        "<div><strong>{}</strong> calls <code>{}</code>{}{}</div>"
        '<div class="small text-break">on <code>{}</code></div>{}{}{}{}</li>',
        call.depth, call.action, call.verdict, call.caller_label or call.caller, call.action, via, badge,
        call.resource, context, note, gates, error)


@register.simple_tag
def trail_records(records: tuple[TrailRecord, ...]) -> SafeString:
    """One account's CloudTrail records (denied calls marked), each with its JSON record."""
    items = []
    for r in records:
        status = (format_html('<span class="badge text-bg-danger">✗ {}</span>', r.error_code) if r.denied
                  else mark_safe('<span class="badge text-bg-success">✓ OK</span>'))
        items.append(format_html(
            '<li class="trail-record{}"><div><code>{}</code> <span class="small text-body-secondary">{}</span> {}</div>'
            '<div class="small text-break">{}</div><details><summary class="small">Record JSON</summary>'
            '<pre class="trail-json" tabindex="0"><code>{}</code></pre></details></li>',
            " trail-denied" if r.denied else "", r.event_name, r.event_source, status, r.caller, pretty_json(r.record)))
    return format_html('<ul class="list-unstyled trail-records mb-0">{}</ul>', mark_safe("".join(items)))
