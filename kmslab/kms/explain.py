"""Explain a KMS decision in plain sentences, each citing the AWS page that states the rule.

Responsible for turning a Decision into: the verdict and its cause, then near misses (Allow
statements that were about this action but did not apply, grants that did not apply), then notes.
Must not: evaluate anything; it reads the decision only.
"""

from __future__ import annotations

from dataclasses import dataclass

from kmslab.iam.decision import Decision, DenyReason, Element, ElementCheck, Gate, StatementResult
from kmslab.iam.policy import Effect
from kmslab.kms import citations as cite


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    kind: str  # "verdict" | "cause" | "near-miss" | "note"
    citation: str = ""


def _q(values: tuple[str, ...]) -> str:
    return ", ".join(f"`{v}`" for v in values) if values else "nothing"


def _where(r: StatementResult) -> str:
    return "the key policy" if r.gate is Gate.KEY_POLICY else r.policy_name


def _ref(r: StatementResult) -> str:
    """`statement `AllowUse` of the key policy`, or `statement 2 of the key policy` without a Sid."""
    label = f"`{r.statement.sid}`" if r.statement.sid else str(r.statement.index + 1)
    return f"statement {label} of {_where(r)}"


def _names(results: tuple[StatementResult, ...]) -> str:
    return " and ".join(_ref(r) for r in results)


def describe_check(c: ElementCheck, d: Decision) -> str:
    """Why one element did not match, in a learner's words."""
    if c.element is Element.CONDITION:
        if not c.got:
            return f"{c.key} wanted {_q(c.wanted)} ({c.operator}), the request had no {c.key}"
        return f"{c.key} wanted {_q(c.wanted)} ({c.operator}), the request had {_q(c.got)}"
    if c.element is Element.ACTION:
        return (f"its NotAction excludes {d.request.action}" if c.negated
                else f"its Action is {_q(c.wanted)}, which does not cover {d.request.action}")
    if c.element is Element.RESOURCE:
        return (f"its NotResource excludes this key" if c.negated
                else f"its Resource is {_q(c.wanted)}, which does not match this key")
    if c.negated:
        return f"its NotPrincipal excludes {d.request.caller.arn}"
    return f"its Principal is {_q(c.wanted)}, which does not match {d.request.caller.arn}"


def _verdict(d: Decision) -> list[Sentence]:
    a, caller, req = d.request.action, d.request.caller, d.request
    if d.allowed:
        det = d.determining
        if d.rule == "grant-allows":
            return [Sentence(f"allowed: grant `{d.granted_by_grant}` allows {a} for {caller.arn}", "verdict", cite.GRANTS)]
        if d.rule == "key-policy-enables-iam":
            return [Sentence(f"allowed: the key policy lets account {caller.account} use IAM policies for this key "
                             f"({_names(det[:1])}), and {_names(det[1:])} allows {a}", "verdict",
                             cite.KEY_POLICY_DEFAULT)]
        if d.rule == "cross-account-both-allow":
            kp = tuple(r for r in det if r.gate is Gate.KEY_POLICY)
            iam = tuple(r for r in det if r.gate is Gate.IAM_POLICY)
            return [Sentence(f"allowed: the key policy in account {req.resource_account} allows {a} ({_names(kp)}) "
                             f"and an identity-based policy in account {caller.account} allows it too "
                             f"({_names(iam)})", "verdict", cite.CROSS_ACCOUNT)]
        if d.rule in ("key-policy-allows-principal",):
            return [Sentence(f"allowed: {_names(det)} allows {caller.arn} to use {a} on this key", "verdict",
                             cite.KEY_POLICIES)]
        return [Sentence(f"allowed: {_names(det)} allows {a}", "verdict", cite.EVALUATION_LOGIC)]
    if d.reason in (DenyReason.EXPLICIT_DENY_RESOURCE_POLICY, DenyReason.EXPLICIT_DENY_IDENTITY_POLICY):
        return [Sentence(f"denied: {_names(d.determining)} explicitly denies {a}", "verdict", cite.EVALUATION_LOGIC),
                Sentence("an explicit deny overrides every allow, including grants", "cause", cite.EVALUATION_LOGIC)]
    if d.rule == "not-cross-account-operation":
        return [Sentence(f"denied: {a} cannot be used on a KMS key in another account", "verdict",
                         cite.API_PERMISSIONS)]
    if d.reason is DenyReason.NO_RESOURCE_POLICY_ALLOWS:
        out = [Sentence(f"denied: no statement in the key policy of account {req.resource_account} allows "
                        f"{caller.arn} to use {a} on this key", "verdict", cite.KEY_POLICIES)]
        if req.cross_account:
            out.append(Sentence(f"cross-account use needs an allow in the key policy and in an IAM policy "
                                f"in account {caller.account}", "cause", cite.CROSS_ACCOUNT))
        return out
    out = [Sentence(f"denied: no identity-based policy in account {caller.account} allows {a} on this key",
                    "verdict", cite.IAM_POLICIES)]
    if req.cross_account:
        out.append(Sentence(f"the key policy allows account {caller.account}, but cross-account use also needs "
                            f"an IAM policy in that account allowing {a} on the key ARN", "cause", cite.CROSS_ACCOUNT))
    else:
        out.append(Sentence(f"the key policy allows account {caller.account} to delegate with IAM, so an IAM "
                            f"policy of the caller must allow {a} on this key", "cause", cite.KEY_POLICY_DEFAULT))
    return out


def _near_misses(d: Decision) -> list[Sentence]:
    out: list[Sentence] = []
    for g in d.gates:
        for r in g.statements:
            if r.error:
                out.append(Sentence(f"{_ref(r)} was ignored: {r.error}",
                                    "near-miss", cite.EVALUATION_LOGIC))
                continue
            if r.applies or r.statement.effect is not Effect.ALLOW:
                continue
            action = next((c for c in r.checks if c.element is Element.ACTION), None)
            if action is None or not action.matched:
                continue
            failed = r.failed_checks
            principal = next((c for c in failed if c.element is Element.PRINCIPAL), None)
            if principal is not None and not principal.negated and \
                    not any(d.request.caller.account in w for w in principal.wanted):
                continue  # a statement for another account is not a near miss
            url = cite.CONDITIONS_KMS if failed[0].element is Element.CONDITION else cite.EVALUATION_LOGIC
            out.append(Sentence(f"{_ref(r)} did not apply: "
                                + "; ".join(describe_check(c, d) for c in failed), "near-miss", url))
        for gr in g.grants:
            if not gr.applies:
                out.append(Sentence(f"grant `{gr.grant_id}` did not apply: {gr.reason}", "near-miss", cite.GRANTS))
    return out


def _notes(d: Decision) -> list[Sentence]:
    out: list[Sentence] = []
    iam = d.gate(Gate.IAM_POLICY)
    kp = d.gate(Gate.KEY_POLICY)
    if kp is not None and kp.note:
        out.append(Sentence(kp.note, "note", cite.KEY_POLICIES))
    if iam is not None and not iam.counted and iam.statements and d.request.caller.kind != "service":
        names = sorted({r.policy_name for r in iam.statements})
        verb = "is" if len(names) == 1 else "are"
        out.append(Sentence(f"the key policy does not enable IAM policies for account {iam.account}, so "
                            f"{' and '.join(names)} {verb} ignored", "note", cite.KEY_POLICY_DEFAULT))
    return out


def explain(decision: Decision) -> tuple[Sentence, ...]:
    """Verdict and cause first, then near misses (denied requests only), then notes."""
    parts = _verdict(decision)
    if not decision.allowed:
        parts += _near_misses(decision)
    return tuple(parts + _notes(decision))
