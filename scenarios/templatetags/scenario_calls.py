"""A step card (`{% step_card step %}`), one call of its chain (`{% call_item call step %}`) and
CloudTrail records, as HTML.

Written in Python rather than as a template because a run renders dozens of calls and gates on
every keystroke: this keeps the simulate endpoint inside its time budget. Every value goes
through `_e` (the escaping of format_html, without its per-argument lazy-string checks, which
cost more than the markup); the markup matches what tests and editor.js read (data-gate,
data-gate-verdict, data-call-verdict).
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from scenarios.runner import CallView, GateView, StepResult, TrailRecord
from scenarios.templatetags.scenario_tags import STEP_OUTCOMES, VERDICTS, codeify, line_range, pretty_json

register = template.Library()


def _e(value: object) -> str:
    """conditional_escape: safe strings as they are, everything else HTML-escaped."""
    html = getattr(value, "__html__", None)
    return str(html()) if html is not None else escape(str(value))


def _verdict(verdict: str) -> tuple[str, str, str]:
    return VERDICTS.get(verdict, (verdict, "secondary", "·"))


def _summary(call: CallView) -> str:
    items = []
    for g in call.gates:
        label, color, icon = _verdict(g.verdict)
        deciding = "".join(f' <span class="statement-ref">({_e(s.label)})</span>'
                           for s in g.statements if s in call.deciding)
        items.append(
            f'<li class="list-inline-item gate-{_e(color)}" data-gate="{_e(g.gate)}" data-gate-verdict="{_e(g.verdict)}">'
            f'{_e(g.title)} {_e(icon)}<span class="visually-hidden"> {_e(label)}</span>{deciding}'
            f'{"" if g.counted else " (not counted)"}</li>')
    return f'<ul class="gate-summary list-inline small mb-0">{"".join(items)}</ul>'


def _statements(call: CallView, gate: GateView) -> str:
    if not gate.statements:
        return '<span class="small text-body-secondary">no statement applies</span>'
    rows = []
    for s in gate.statements:
        deciding = s in call.deciding
        name = f'<a href="#doc-{_e(s.document)}">{_e(s.label)}</a>' if s.document else _e(s.label)
        where = f", {line_range(s.span)}" if s.span.line else ""
        rows.append(
            f'<div class="small statement-ref effect-{_e(s.effect.lower())}{" is-deciding" if deciding else ""}">'
            f'{name} <span class="text-body-secondary">({_e(s.effect)}{_e(where)})</span>'
            f'{" <strong>deciding</strong>" if deciding else ""}</div>')
    return "".join(rows)


def _table(call: CallView, step: StepResult) -> str:
    rows = []
    for g in call.gates:
        label, color, icon = _verdict(g.verdict)
        account = f' <span class="small text-body-secondary fw-normal">({_e(g.account)})</span>' if g.account else ""
        ignored = "" if g.counted else ' class="gate-ignored"'
        not_counted = "" if g.counted else ' <span class="badge text-bg-secondary">not counted</span>'
        note = f'<div class="small">{codeify(g.note)}</div>' if g.note else ""
        rows.append(
            f'<tr data-gate="{_e(g.gate)}" data-gate-verdict="{_e(g.verdict)}"{ignored}>'
            f'<th scope="row">{_e(g.title)}{account}</th>'
            f'<td><span class="gate-verdict gate-{_e(color)}">{_e(icon)} {_e(label)}</span>{not_counted}{note}</td>'
            f'<td>{_statements(call, g)}</td></tr>')
    action = _e(call.action)
    return (f'<div class="table-responsive" tabindex="0" role="region" aria-label="Gates for {action} in step {_e(step.index)}">'
            f'<table class="table table-sm gate-table mb-1"><caption class="visually-hidden">Gates for {action}</caption>'
            '<thead><tr><th scope="col">Gate</th><th scope="col">Verdict</th><th scope="col">Statements</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


@register.simple_tag
def call_item(call: CallView, step: StepResult) -> SafeString:
    label, color, icon = _verdict(call.verdict)
    badge = f' <span class="badge text-bg-{_e(color)}">{_e(icon)} {_e(label)}</span>' if call.verdict else ""
    via = f" via <code>{_e(call.via_service)}</code>" if call.via_service else ""
    context = ""
    if call.encryption_context:
        pairs = ", ".join(f"<code>{_e(k)}</code> = <code>{_e(v)}</code>" for k, v in call.encryption_context)
        context = f'<div class="small">Encryption context: {pairs}</div>'
    note = f'<div class="small fst-italic">{codeify(call.note)}</div>' if call.note else ""
    gates = ""
    if call.gates:
        gates = _summary(call) if step.as_expected else _table(call, step)
    error = (f'<div class="aws-error small"><strong>{_e(call.error_code)}</strong>: <code>{_e(call.error_message)}</code></div>'
             if call.error_code else "")
    action = _e(call.action)
    return mark_safe(  # noqa: S308 - every value escaped by _e above
        f'<li class="call call-depth-{_e(call.depth)}" data-call-action="{action}" data-call-verdict="{_e(call.verdict)}">'
        f"<div><strong>{_e(call.caller_label or call.caller)}</strong> calls <code>{action}</code>{via}{badge}</div>"
        f'<div class="small text-break">on <code>{_e(call.resource)}</code></div>{context}{note}{gates}{error}</li>')


@register.simple_tag
def trail_records(records: tuple[TrailRecord, ...]) -> SafeString:
    """One account's CloudTrail records (denied calls marked), each with its JSON record."""
    items = []
    for r in records:
        status = (f'<span class="badge text-bg-danger">✗ {_e(r.error_code)}</span>' if r.denied
                  else '<span class="badge text-bg-success">✓ OK</span>')
        items.append(
            f'<li class="trail-record{" trail-denied" if r.denied else ""}"><div><code>{_e(r.event_name)}</code> '
            f'<span class="small text-body-secondary">{_e(r.event_source)}</span> {status}</div>'
            f'<div class="small text-break">{_e(r.caller)}</div><details><summary class="small">Record JSON</summary>'
            f'<pre class="trail-json" tabindex="0"><code>{_e(pretty_json(r.record))}</code></pre></details></li>')
    return mark_safe(  # noqa: S308 - every value escaped by _e above
        f'<ul class="list-unstyled trail-records mb-0">{"".join(items)}</ul>')


def _fix_box(step: StepResult, stale: object, fix_url: object) -> str:
    fx = step.fix
    if fx is None:
        return ""
    where = f' <span class="small">(in {_e(fx.document_title)})</span>' if fx.document_title else ""
    risky = f'<p class="mb-1 fix-warning"><strong>⚠ Too broad:</strong> {codeify(fx.warning)}</p>' if fx.risky else ""
    action = ""
    if not fx.possible:
        action = f'<p class="small mb-0">{codeify(fx.reason)}</p>'
    elif fx.applicable and not stale:
        url = _e(fix_url)
        action = (f'<button type="submit" class="btn btn-sm btn-primary" name="fix" value="{_e(step.index)}" '
                  f'formaction="{url}" hx-post="{url}" hx-target="#result-panel" hx-swap="outerHTML">'
                  f'Apply fix to {_e(fx.document_title or "the document")}</button>')
    return (f'<div class="fix-box{" fix-risky" if fx.risky else ""}">'
            f'<p class="mb-1"><strong>Smallest fix:</strong> {codeify(fx.summary)}{where}</p>{risky}{action}</div>')


def _envelope(step: StepResult) -> str:
    env = step.envelope
    if env is None:
        return ""
    check = ("not made" if env.decrypt_ok is None else "✓ decrypted back to the same bytes" if env.decrypt_ok
             else "✗ failed")
    return ('<details class="envelope mt-2"><summary class="small fw-semibold">Envelope encryption that happened</summary>'
            '<dl class="row small mb-0 mt-1">'
            f'<dt class="col-sm-5">KMS key</dt><dd class="col-sm-7 text-break"><code>{_e(env.key_arn)}</code></dd>'
            f'<dt class="col-sm-5">Data key</dt><dd class="col-sm-7">{_e(env.data_key_bytes)} bytes ({_e(env.algorithm)}), '
            'plaintext copy discarded after use</dd>'
            f'<dt class="col-sm-5">Object</dt><dd class="col-sm-7">{_e(env.plaintext_bytes)} bytes in, '
            f'{_e(env.ciphertext_bytes)} bytes of ciphertext</dd>'
            f'<dt class="col-sm-5">Decrypt check</dt><dd class="col-sm-7">{check}</dd></dl></details>')


_MUST_FAIL = '<span class="badge text-bg-secondary">must fail</span> '


@register.simple_tag(takes_context=True)
def step_card(context: template.Context, step: StepResult) -> SafeString:
    """One step of a run as the `<li>` card of _steps.html: outcome, call chain, AWS error,
    explanation, smallest fix (its button only for a current, applicable fix) and envelope."""
    urls = context.get("urls")
    fix_url = urls.get("fix", "") if isinstance(urls, dict) else ""
    unexpected = not step.as_expected and step.outcome != "skipped"
    label, color, icon = STEP_OUTCOMES.get(step.outcome, (step.outcome, "secondary", "·"))
    status = ('<span class="small">did not run</span>' if step.outcome == "skipped" else
              '<span class="small">as expected</span>' if step.as_expected else
              '<span class="small fw-semibold">not as expected: this step must be refused</span>'
              if step.expect == "failure" else
              '<span class="small fw-semibold">not as expected</span>')
    parts = [
        f'<li class="step card mb-2 step-{_e(step.outcome)}{" step-unexpected" if unexpected else ""}" '
        f'data-step-outcome="{_e(step.outcome)}" data-step-index="{_e(step.index)}"><div class="card-body">'
        f'<h4 class="h6 card-title">Step {_e(step.index)}: {codeify(step.title)}</h4>'
        f'<p class="mb-2"><span class="badge text-bg-{_e(color)}">{_e(icon)} {_e(label)}</span> '
        f'{_MUST_FAIL if step.expect == "failure" else ""}{status}</p>',
    ]
    if step.why:
        parts.append(f'<p class="small">{codeify(step.why)}</p>')
    if step.calls:
        first = step.calls[0]
        hops = "".join(f' → <span class="call-hop verdict-{_e(c.verdict or "none")}">{_e(c.service.upper())} '
                       f'<code>{_e(c.operation)}</code></span>' for c in step.calls)
        parts.append(f'<p class="call-path small mb-1"><span class="visually-hidden">Call chain: </span>'
                     f'<strong>{_e(first.caller_label or first.caller)}</strong>{hops}</p>'
                     f'<ol class="call-chain list-unstyled">{"".join(call_item(c, step) for c in step.calls)}</ol>')
    if step.error_code:
        parts.append(f'<div class="aws-error" role="note"><span class="fw-semibold">AWS error:</span> '
                     f'<strong>{_e(step.error_code)}</strong><br><code class="text-break">{_e(step.error_message)}</code></div>')
    if step.explanation:
        items = []
        for x in step.explanation:
            cite = (f' <a href="{_e(x.citation)}" rel="noopener noreferrer" target="_blank">AWS docs'
                    '<span class="visually-hidden"> (opens in a new tab)</span></a>') if x.citation else ""
            items.append(f'<li class="explanation-{_e(x.kind)}">{codeify(x.text)}{cite}</li>')
        parts.append(f'<ul class="explanation mt-2 mb-2">{"".join(items)}</ul>')
    parts.append(_fix_box(step, context.get("stale"), fix_url))
    parts.append(_envelope(step))
    parts.append("</div></li>")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped by _e or codeify above
