"""Running a scenario end to end (the body behind `runner.run_scenario`).

Responsible for the order of things: lint the documents; stop with outcome "invalid" if an
editable one has an error; otherwise build a fresh simulated world and run the steps
(scenarios.build), then check the objectives against the reference solution's run (cached
per spec content) and pick the diagram's states.
Must not: import Django, keep state other than caches of pure values derived from a spec, or
decide access (the world and the engine do).
"""

from __future__ import annotations

from collections.abc import Mapping

from scenarios.lintdocs import LintedDoc, lint_documents, spec_fingerprint
from scenarios.objectives import Context, UsedActions, canonical_statements, check_objectives, unchecked, used_actions
from scenarios.runner import CallView, Diagram, DiagramState, Outcome, RunResult, StepResult
from scenarios.spec import ScenarioSpec

GENERAL_NOTES = (
    "Simulated: one region (us-east-1), no service control policies or permissions boundaries, and "
    "changes take effect at once (real IAM and KMS are eventually consistent).",
)

_REFERENCE: dict[str, RunResult] = {}
_STARTING: dict[str, Mapping[str, frozenset[str]]] = {}
_CACHE_MAX = 64


def run(spec: ScenarioSpec, documents: Mapping[str, str]) -> RunResult:
    fp = spec_fingerprint(spec)
    return _run(spec, documents, fp, reference_used(spec, fp))


def reference(spec: ScenarioSpec) -> RunResult:
    fp = spec_fingerprint(spec)
    cached = _REFERENCE.get(fp)
    if cached is None:
        if len(_REFERENCE) >= _CACHE_MAX:
            _REFERENCE.clear()
        cached = _REFERENCE[fp] = _run(spec, spec.solution, fp, None)
    return cached


def reference_used(spec: ScenarioSpec, fp: str) -> UsedActions:
    return used_actions(reference(spec).steps)


def _run(spec: ScenarioSpec, documents: Mapping[str, str], fp: str, used: UsedActions | None) -> RunResult:
    from scenarios import build

    linted = lint_documents(spec, documents, fingerprint=fp)
    doc_results = tuple(d.result for d in linted.values())
    notes = tuple(spec.notes) + GENERAL_NOTES
    broken = [d.name for d in spec.documents if not linted[d.name].ok]
    if broken:
        readonly = [n for n in broken if not linted[n].result.editable]
        reason = ("not checked: fix the errors in your documents first" if not readonly else
                  f"not checked: the scenario's own document `{readonly[0]}` has errors (report this to staff)")
        return RunResult(spec.slug, "invalid", doc_results, objectives=unchecked(spec, reason), notes=notes)

    steps, trail = build.simulate(spec, linted)
    outcome: Outcome = "success" if steps and all(s.as_expected for s in steps) else "failure"
    ctx = Context(spec, linted, steps, used if used is not None else used_actions(steps), _starting(spec, fp))
    return RunResult(
        slug=spec.slug, outcome=outcome, documents=doc_results, steps=steps,
        objectives=check_objectives(ctx), trail=trail, diagram=diagram_for(steps), notes=notes,
    )


def _starting(spec: ScenarioSpec, fp: str) -> Mapping[str, frozenset[str]]:
    cached = _STARTING.get(fp)
    if cached is None:
        if len(_STARTING) >= _CACHE_MAX:
            _STARTING.clear()
        start: dict[str, LintedDoc] = lint_documents(spec, spec.starting_documents(), fingerprint=fp)
        cached = _STARTING[fp] = {d.name: frozenset(canonical_statements(start[d.name].data)) for d in spec.editable}
    return cached


def _focus_call(steps: tuple[StepResult, ...]) -> CallView | None:
    """The call the diagram shows: the first unexpected step's deciding call, else the last
    KMS call that was authorized."""
    ran = [s for s in steps if s.outcome != "skipped"]
    bad = next((s for s in ran if not s.as_expected), None)
    # when all went well, show a call that was meant to succeed (not a guardrail's refusal)
    pool = [bad] if bad is not None else sorted(reversed(ran), key=lambda s: s.expect != "success")
    for step in pool:
        calls = [c for c in step.calls if c.verdict]
        failing = [c for c in calls if c.error_code]
        kms = [c for c in calls if c.service == "kms"]
        # the learner's caller's KMS calls first: one EC2 makes under a grant is not the handshake
        own = [c for c in kms if step.calls and c.caller == step.calls[0].caller]
        for candidate in (failing, own, kms, calls):
            if candidate:
                return candidate[-1]  # the deepest: the KMS call a service made, not its relay
    return None


def diagram_for(steps: tuple[StepResult, ...]) -> Diagram:
    call = _focus_call(steps)
    if call is None:
        return Diagram()

    def state(gate: str) -> DiagramState:
        g = next((g for g in call.gates if g.gate == gate), None)
        if g is None:
            return "unknown"
        if g.verdict == "ExplicitlyDenied":
            return "explicit-deny"
        if g.allowed and not g.counted:
            return "ignored"
        return "allowed" if g.allowed else "denied"

    resource_gate = "key-policy" if any(g.gate == "key-policy" for g in call.gates) else "bucket-policy"
    accounts = [g.account for g in call.gates if g.gate in (resource_gate, "iam-policy")]
    return Diagram(
        state(resource_gate), state("iam-policy"), "allowed" if call.verdict == "Allowed" else "denied",
        same_account=len(accounts) == 2 and accounts[0] == accounts[1],
    )
