"""The pipeline end to end: a scenario plus the learner's documents in, a RunResult out.

    spec -> lint -> build -> run steps -> objectives -> result

Stop with outcome INVALID when a document has an error (nothing runs); otherwise build a fresh
world, run the steps, and check the objectives against what the reference solution's run used.
Must not: import Django, keep state other than caches of pure values derived from a spec's
content, or decide access (the world and the engine do).
"""

from __future__ import annotations

from collections.abc import Mapping

from kmslab.lab.build import build_world
from kmslab.lab.lint import LintedDoc, lint_documents, spec_fingerprint
from kmslab.lab.objectives import Context, canonical_statements, check_objectives, unchecked, used_actions
from kmslab.lab.result import Outcome, RunResult
from kmslab.lab.spec import ScenarioSpec
from kmslab.lab.steps import decisions, run_steps, trail

GENERAL_NOTES = (
    "Simulated: one region (us-east-1), no service control policies or permissions boundaries, and "
    "changes take effect at once (real IAM and KMS are eventually consistent).",
)

# Pure values derived from a spec's content (its fingerprint): the reference solution's run and
# the canonical statements of the starting documents. Both are needed by every run of the spec.
_REFERENCE: dict[str, RunResult] = {}
_STARTING: dict[str, Mapping[str, frozenset[str]]] = {}
_CACHE_MAX = 64


# Recent runs, by spec fingerprint and the documents' text: a run is a pure function of the two
# (a fresh world each time, ids drawn from a sequence seeded with the scenario), and the same
# documents come back often: the scenario page runs the documents the learner's last live run
# just ran, and every learner opening a scenario runs its starting documents.
_RUNS: dict[tuple[str, tuple[tuple[str, str], ...]], RunResult] = {}
_RUNS_MAX = 128


def run_scenario(spec: ScenarioSpec, documents: Mapping[str, str]) -> RunResult:
    """Run the scenario with the learner's documents (missing names get the starting text)."""
    if not isinstance(documents, Mapping) or not all(isinstance(v, str) for v in documents.values()):
        return _run(spec, documents, reference_result(spec))  # not all text: run it, keep nothing
    key = run_key(spec, documents)
    cached = _RUNS.get(key)
    if cached is None:
        cached = _run(spec, documents, reference_result(spec))
        if len(_RUNS) >= _RUNS_MAX:
            _RUNS.clear()  # as lint's caches: deleting "the oldest" raced between server threads
        _RUNS[key] = cached
    return cached


def run_key(spec: ScenarioSpec, documents: Mapping[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What a run is a function of: the spec's content and the documents' text (the key of the
    recent runs kept above, and of anything derived from a run alone, e.g. its rendering)."""
    return spec_fingerprint(spec), tuple(sorted((str(k), v) for k, v in documents.items()))


def reference_result(spec: ScenarioSpec) -> RunResult:
    """The run of the reference solution (what the golden tests and objectives compare with)."""
    fp = spec_fingerprint(spec)
    cached = _REFERENCE.get(fp)
    if cached is None:
        if len(_REFERENCE) >= _CACHE_MAX:
            _REFERENCE.clear()
        cached = _REFERENCE[fp] = _run(spec, spec.solution, None)
    return cached


def _run(spec: ScenarioSpec, documents: Mapping[str, str], reference: RunResult | None) -> RunResult:
    linted = lint_documents(spec, documents)
    results = tuple(d.result for d in linted.values())
    notes = tuple(spec.notes) + GENERAL_NOTES
    broken = [d for d in spec.documents if not linted[d.name].ok]
    if broken:
        readonly = [d.name for d in broken if not d.editable]
        reason = ("not checked: fix the errors in your documents first" if not readonly else
                  f"not checked: the scenario's own document `{readonly[0]}` has errors (report this to staff)")
        return RunResult(spec.slug, Outcome.INVALID, results, objectives=unchecked(spec, reason), notes=notes)

    lab = build_world(spec, linted)
    steps = run_steps(lab)
    outcome = Outcome.SUCCESS if steps and all(s.as_expected for s in steps) else Outcome.FAILURE
    used = used_actions(reference.steps if reference is not None else steps)
    ctx = Context(spec, linted, steps, used, _starting(spec))
    return RunResult(
        slug=spec.slug, outcome=outcome, documents=results, steps=steps, objectives=check_objectives(ctx),
        trail=trail(lab), notes=notes, labels=dict(lab.labels), places=lab.index.places(decisions(steps)),
    )


def _starting(spec: ScenarioSpec) -> Mapping[str, frozenset[str]]:
    fp = spec_fingerprint(spec)
    cached = _STARTING.get(fp)
    if cached is None:
        if len(_STARTING) >= _CACHE_MAX:
            _STARTING.clear()
        start: dict[str, LintedDoc] = lint_documents(spec, spec.starting_documents())
        cached = _STARTING[fp] = {d.name: frozenset(canonical_statements(start[d.name].data)) for d in spec.editable}
    return cached
