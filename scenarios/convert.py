"""From the engine's values to the runner's views: decisions, statements, fixes, explanations.

Responsible for locating each statement the engine reports in the scenario's documents (so the
editor can highlight its lines), naming the gate to blame for a failure, and packaging
`explain` sentences and the `suggest_fix` edit (applied to the learner's text with `apply_fix`).
Must not: re-evaluate anything. It reads Decision values and asks the engine's own explain/fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kmslab.iam.decision import Decision, Gate, GateResult, StatementResult, Verdict
from kmslab.iam.policy import Policy

from scenarios.lintdocs import LintedDoc
from scenarios.runner import Explanation, FixView, GateView, StatementRef
from scenarios.spec import DocumentKind, ScenarioSpec


@dataclass(frozen=True)
class DocIndex:
    """Which scenario document stands behind which gate, for one run."""

    spec: ScenarioSpec
    docs: Mapping[str, LintedDoc]
    key_doc: Mapping[str, str] = field(default_factory=dict)  # key ARN -> document name
    identity_docs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # caller ARN -> names
    bucket_doc: Mapping[str, str] = field(default_factory=dict)  # bucket name -> document name
    grant_doc: str = ""

    @classmethod
    def build(cls, spec: ScenarioSpec, docs: Mapping[str, LintedDoc]) -> DocIndex:
        identity: dict[str, tuple[str, ...]] = {}
        for p in spec.principals:
            identity[p.caller_arn] = p.policies
            identity.setdefault(p.arn, p.policies)
        return cls(
            spec, docs,
            key_doc={k.arn: k.policy for k in spec.keys if k.policy},
            identity_docs=identity,
            bucket_doc={b.name: b.policy for b in spec.buckets if b.policy},
            grant_doc=next((d.name for d in spec.documents if d.kind is DocumentKind.GRANT_REQUEST), ""),
        )

    def policy(self, name: str) -> Policy | None:
        doc = self.docs.get(name)
        return doc.policy if doc is not None else None

    def document_for(self, gate: Gate, decision: Decision, result: StatementResult | None = None) -> str:
        req = decision.request
        if gate is Gate.KEY_POLICY:
            return self.key_doc.get(req.resource, "")
        if gate is Gate.BUCKET_POLICY:
            bucket = req.resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
            return self.bucket_doc.get(bucket, "")
        if gate is Gate.IAM_POLICY:
            names = self.identity_docs.get(req.caller.arn, ()) or self.identity_docs.get(req.caller.role_arn, ())
            if result is not None and len(names) > 1:
                for n in names:
                    pol = self.policy(n)
                    if pol is not None and result.statement in pol.statements:
                        return n
            return names[0] if names else ""
        return self.grant_doc

    def editable_document_for(self, gate: Gate, decision: Decision) -> str:
        if gate is Gate.IAM_POLICY:
            req = decision.request
            names = self.identity_docs.get(req.caller.arn, ()) or self.identity_docs.get(req.caller.role_arn, ())
            for n in names:
                doc = self.spec.document(n)
                if doc is not None and doc.editable:
                    return n
            return ""
        name = self.document_for(gate, decision)
        doc = self.spec.document(name)
        return name if doc is not None and doc.editable else ""


def statement_ref(index: DocIndex, decision: Decision, r: StatementResult) -> StatementRef:
    s = r.statement
    return StatementRef(
        gate=r.gate.value, document=index.document_for(r.gate, decision, r), policy_name=r.policy_name,
        index=s.index, label=s.label, effect=s.effect.value, span=s.span,
    )


def gate_view(index: DocIndex, decision: Decision, g: GateResult) -> GateView:
    return GateView(
        gate=g.gate.value, title=g.gate.label, account=g.account, verdict=g.verdict.value, counted=g.counted,
        note=g.note, document=index.document_for(g.gate, decision),
        statements=tuple(statement_ref(index, decision, r) for r in g.statements if r.applies),
    )


def deciding(index: DocIndex, decision: Decision) -> tuple[StatementRef, ...]:
    return tuple(statement_ref(index, decision, r) for r in decision.determining)


def failing_gate(decision: Decision, *, grants_editable: bool = False) -> str:
    """The gate a learner should look at for a denied decision. The grant gate is blamed only
    when the learner writes the grant (a `grant_request` document) and one for this caller
    existed but did not apply; grants services make for themselves are not the learner's."""
    if decision.allowed:
        return ""
    if decision.verdict is Verdict.EXPLICITLY_DENIED and decision.determining:
        return decision.determining[0].gate.value
    reason = decision.reason.value
    if reason == "no-identity-policy-allows":
        return Gate.IAM_POLICY.value
    if reason == "no-resource-policy-allows":
        if grants_editable and decision.callers_grants():
            return Gate.GRANT.value  # a grant for this caller existed but did not apply
        for g in decision.gates:
            if g.gate in (Gate.KEY_POLICY, Gate.BUCKET_POLICY):
                return g.gate.value
    for g in decision.gates:
        if g.counted and not g.verdict.allowed:
            return g.gate.value
    return decision.gates[0].gate.value if decision.gates else ""


def explanation(decision: Decision) -> tuple[Explanation, ...]:
    from kmslab.kms.explain import explain

    try:
        return tuple(Explanation(s.text, s.kind, s.citation) for s in explain(decision))
    except Exception as exc:  # explain must never take the page down; report it visibly
        return (Explanation(f"the explanation could not be produced ({type(exc).__name__})", "note"),)


def fix_view(index: DocIndex, decision: Decision, texts: Mapping[str, str], key_manager: str) -> FixView | None:
    try:
        from kmslab.kms.fix import apply_fix, suggest_fix
    except ImportError:  # the fix engine is optional: the step still shows the explanation
        return None
    try:
        grant_doc = index.spec.document(index.grant_doc) if index.grant_doc else None
        fix = suggest_fix(decision, key_manager=key_manager, grant_fixes=grant_doc is not None and grant_doc.editable)
    except Exception as exc:
        return FixView(summary="no fix could be computed", gate="", document="", document_title="", new_text="",
                       possible=False, reason=f"the fix engine failed ({type(exc).__name__})")
    if fix is None:
        return None
    gate = fix.gate if isinstance(fix.gate, Gate) else Gate(str(fix.gate))
    name = index.editable_document_for(gate, decision) if fix.possible else ""
    new_text = ""
    if name:
        try:
            new_text = apply_fix(texts[name], fix)
        except Exception:
            new_text = ""
    doc = index.spec.document(name) if name else None
    reason = fix.reason
    if fix.possible and not name:
        owner = index.document_for(gate, decision)
        where = index.spec.document(owner)
        reason = reason or (f"the change belongs in {where.title}, which this scenario does not let you edit"
                            if where else "the change belongs in a document this scenario does not show")
    then = fix.then.summary if fix.then is not None else ""
    return FixView(
        summary=fix.summary, gate=gate.value, document=name, document_title=doc.title if doc else "",
        new_text=new_text, risky=fix.risky, warning=fix.warning, possible=fix.possible, reason=reason,
        then=then,
    )
