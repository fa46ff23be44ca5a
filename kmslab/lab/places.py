"""Which scenario document stands behind which gate: where the engine's statements sit.

Responsible for locating each statement the engine reports in the scenario's documents (so the
editor can highlight its lines and a fix lands in the right editor): the key policy of a key,
the identity policies of a caller, the policy of a bucket, the learner's grant request.
Must not: import Django or re-evaluate anything; it reads Decision values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kmslab.iam.decision import Decision, Gate, StatementResult
from kmslab.iam.policy import Policy
from kmslab.lab.lint import LintedDoc
from kmslab.lab.result import Located
from kmslab.lab.spec import DocumentKind, ScenarioSpec


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

    def locate(self, decision: Decision, r: StatementResult) -> Located:
        return Located(r, self.document_for(r.gate, decision, r))

    def places(self, decisions: Iterable[Decision]) -> dict[tuple[Gate, str, int], str]:
        """Every statement of these decisions, by (gate, policy name, index), and its document."""
        out: dict[tuple[Gate, str, int], str] = {}
        for d in decisions:
            for g in d.gates:
                for r in g.statements:
                    key = (r.gate, r.policy_name, r.statement.index)
                    if key not in out:
                        out[key] = self.document_for(r.gate, d, r)
        return out
