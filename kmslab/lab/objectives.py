"""Stage 6 of the pipeline, objectives: what "solved" means beyond "it works".

Responsible for checking each objective against a run: the learner's parsed documents (from
lint), the steps' call chains and decisions (from the engine, through the world), and the
actions the reference solution's run actually used. Standard objectives apply to every
scenario (every step as expected; no `kms:*`; no `Principal "*"` without a condition; IAM
`Resource` is the exact key ARN; only the actions the steps need); a scenario adds its own
(`explicit-deny-effective`, `customer-managed-key`, `grant-constrained`,
`service-principal-conditioned`, `iam-policy-counted`).
Must not: import Django or decide access: "is this allowed" answers come only from the engine's
decisions in the step results; here we only read documents and those decisions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from kmslab.iam.decision import Gate
from kmslab.iam.policy import Effect, Policy, PrincipalType, Statement
from kmslab.iam.wildcard import wildcard_match
from kmslab.kms.calls import CallRecord
from kmslab.lab.lint import LintedDoc
from kmslab.lab.result import ObjectiveResult, Outcome, StepResult
from kmslab.lab.spec import OBJECTIVE_KINDS, DocumentKind, Expect, ObjectiveSpec, ScenarioSpec

# Read-only metadata that AWS's own examples grant alongside the real action: not penalised.
TOLERATED_ACTIONS = ("kms:DescribeKey",)


@dataclass(frozen=True)
class UsedActions:
    """Actions the reference solution's run used, by who called and on what (lowercase)."""

    by_caller: Mapping[str, frozenset[str]] = field(default_factory=dict)  # caller ARN -> actions
    on_resource: Mapping[str, frozenset[str]] = field(default_factory=dict)  # key ARN / bucket -> actions


def authorizations(call: CallRecord) -> tuple[tuple[str, str], ...]:
    """The (action, resource) pairs the engine was asked about for a call (ReEncrypt's two:
    kms:ReEncryptFrom on the source key, kms:ReEncryptTo on the destination key), or the call's
    own when it was not authorized."""
    return tuple((d.request.action, d.request.resource) for d in call.decisions) or ((call.action, call.resource),)


def used_actions(steps: Iterable[StepResult]) -> UsedActions:
    """Collect the actions of every call made by steps that are meant to succeed."""
    by_caller: dict[str, set[str]] = {}
    on_resource: dict[str, set[str]] = {}
    for step in steps:
        if step.expect is not Expect.SUCCESS:
            continue
        for call in step.calls:
            for action, resource in authorizations(call):
                by_caller.setdefault(call.caller, set()).add(action.lower())
                if resource.startswith("arn:aws:s3:::"):
                    resource = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
                on_resource.setdefault(resource, set()).add(action.lower())
    return UsedActions({k: frozenset(v) for k, v in by_caller.items()},
                       {k: frozenset(v) for k, v in on_resource.items()})


STANDARD: tuple[ObjectiveSpec, ...] = (
    ObjectiveSpec("steps", "steps", "Every step goes as expected"),
    ObjectiveSpec("no-kms-star", "no-kms-star", "No `kms:*` (or `*`) in what you add"),
    ObjectiveSpec("no-public-principal", "no-public-principal", 'No `Principal "*"` without a condition'),
    ObjectiveSpec("exact-key-arn", "exact-key-arn", "IAM policies name the key by its exact key ARN"),
    ObjectiveSpec("needed-actions", "needed-actions", "Only the actions the steps need"),
)


def objectives_for(spec: ScenarioSpec) -> tuple[ObjectiveSpec, ...]:
    """The standard objectives that make sense for this scenario, then its own."""
    kinds = {d.kind for d in spec.editable}
    out = [STANDARD[0]]
    if kinds & {DocumentKind.KEY_POLICY, DocumentKind.IDENTITY, DocumentKind.BUCKET_POLICY}:
        out += [STANDARD[1]]
    if kinds & {DocumentKind.KEY_POLICY, DocumentKind.BUCKET_POLICY}:
        out += [STANDARD[2]]
    if DocumentKind.IDENTITY in kinds:
        out += [STANDARD[3]]
    out += [STANDARD[4]]
    return tuple(out) + tuple(spec.objectives)


@dataclass(frozen=True)
class Context:
    spec: ScenarioSpec
    docs: Mapping[str, LintedDoc]  # every document by name (editable: the learner's)
    steps: tuple[StepResult, ...]
    used: UsedActions  # from the reference run
    starting: Mapping[str, frozenset[str]]  # editable doc name -> canonical starting statements

    def editable(self, *kinds: DocumentKind) -> list[tuple[str, LintedDoc]]:
        return [(d.name, self.docs[d.name]) for d in self.spec.editable
                if d.name in self.docs and (not kinds or d.kind in kinds)]


def check_objectives(ctx: Context) -> tuple[ObjectiveResult, ...]:
    out: list[ObjectiveResult] = []
    for obj in objectives_for(ctx.spec):
        check = CHECKS.get(obj.kind)
        if check is None:
            out.append(ObjectiveResult(obj.id, obj.title, False, f"unknown objective kind `{obj.kind}`"))
            continue
        met, detail = check(ctx, obj.params)
        out.append(ObjectiveResult(obj.id, obj.title, met, detail))
    return tuple(out)


def unchecked(spec: ScenarioSpec, reason: str) -> tuple[ObjectiveResult, ...]:
    return tuple(ObjectiveResult(o.id, o.title, False, reason) for o in objectives_for(spec))


# --------------------------------------------------------------------------- helpers


def canonical_statements(data: object) -> list[str]:
    """Each statement of a policy's JSON as canonical text (for "did the learner add this?")."""
    if not isinstance(data, dict):
        return []
    raw = data.get("Statement")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    return [json.dumps(s, sort_keys=True, separators=(",", ":")) for s in items]


def _added(ctx: Context, name: str, doc: LintedDoc) -> list[Statement]:
    """Statements of the learner's document that are not in the starting document verbatim."""
    if doc.policy is None:
        return []
    canon = canonical_statements(doc.data)
    start = ctx.starting.get(name, frozenset())
    return [s for s in doc.policy.statements if s.index >= len(canon) or canon[s.index] not in start]


def _actions(stmt: Statement) -> tuple[str, ...]:
    return tuple(v.text for v in stmt.action.values) if stmt.action and not stmt.action.negated else ()


def _match(pattern: str, action: str) -> bool:
    return bool(wildcard_match(pattern, action, case_insensitive=True))


def _where(policy: Policy | None, stmt: Statement) -> str:
    return f"`{stmt.label}`" + (f" (line {stmt.span.line})" if stmt.span.line else "")


def _fail_list(items: list[str], limit: int = 3) -> str:
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


# --------------------------------------------------------------------------- checks

Check = Callable[[Context, Mapping[str, object]], tuple[bool, str]]


def _steps(ctx: Context, params: Mapping[str, object]) -> tuple[bool, str]:
    bad = [s for s in ctx.steps if not s.as_expected]
    if not ctx.steps:
        return False, "the steps did not run"
    if not bad:
        return True, f"all {len(ctx.steps)} steps went as expected"
    first = bad[0]
    what = "was skipped" if first.outcome is Outcome.SKIPPED else (
        f"failed with {first.error_code}" if first.outcome is Outcome.FAILURE else "succeeded but must fail")
    return False, f"step {first.index} {what}"


def _owner_root_only(stmt: Statement, account: str) -> bool:
    """A key policy statement for the key's own account only: the default statement that
    enables IAM policies (`kms:*` there delegates to IAM, as key-policy-default.html shows)."""
    p = stmt.principal
    if p is None or p.wildcard or p.negated or not p.entries:
        return False
    return all(e.type is PrincipalType.AWS and e.value.text in (account, f"arn:aws:iam::{account}:root")
               for e in p.entries)


def _no_kms_star(ctx: Context, params: Mapping[str, object]) -> tuple[bool, str]:
    bad: list[str] = []
    for name, doc in ctx.editable(DocumentKind.KEY_POLICY, DocumentKind.IDENTITY, DocumentKind.BUCKET_POLICY):
        for stmt in _added(ctx, name, doc):
            if stmt.effect is not Effect.ALLOW:
                continue
            if doc.result.kind is DocumentKind.KEY_POLICY and _owner_root_only(stmt, doc.result.account):
                continue
            if stmt.action is not None and stmt.action.negated:
                bad.append(f"{_where(doc.policy, stmt)} in {doc.result.title} uses NotAction")
                continue
            for a in _actions(stmt):
                if a.strip().lower() in ("*", "kms:*"):
                    bad.append(f"{_where(doc.policy, stmt)} in {doc.result.title} allows `{a}`")
    return (not bad), (_fail_list(bad) if bad else "no wildcard-all actions added")


def _no_public_principal(ctx: Context, params: Mapping[str, object]) -> tuple[bool, str]:
    bad: list[str] = []
    for name, doc in ctx.editable(DocumentKind.KEY_POLICY, DocumentKind.BUCKET_POLICY):
        if doc.policy is None:
            continue
        for stmt in doc.policy.statements:
            p = stmt.principal
            if stmt.effect is not Effect.ALLOW or p is None or stmt.conditions:
                continue
            public = p.wildcard or p.negated or any(
                e.type is PrincipalType.AWS and e.value.text.strip() == "*" for e in p.entries)
            if public:
                bad.append(f"{_where(doc.policy, stmt)} in {doc.result.title} allows every principal without a condition")
    return (not bad), (_fail_list(bad) if bad else "every Allow names its principals or is conditioned")


def _exact_key_arn(ctx: Context, params: Mapping[str, object]) -> tuple[bool, str]:
    key_arns = {k.arn for k in ctx.spec.keys}
    bad: list[str] = []
    for _name, doc in ctx.editable(DocumentKind.IDENTITY):
        if doc.policy is None:
            continue
        for stmt in doc.policy.statements:
            if stmt.effect is not Effect.ALLOW or not any(a.lower().startswith("kms:") or a == "*" for a in _actions(stmt)):
                continue
            if stmt.resource is None or stmt.resource.negated:
                bad.append(f"{_where(doc.policy, stmt)} in {doc.result.title} has no plain Resource")
                continue
            for v in stmt.resource.values:
                if v.text.startswith("arn:aws:s3:::"):
                    continue  # S3 resources of a mixed statement are not keys
                if v.text not in key_arns:
                    bad.append(f"{_where(doc.policy, stmt)} in {doc.result.title} names `{v.text}`, not a key ARN")
    return (not bad), (_fail_list(bad) if bad else "KMS permissions name exact key ARNs")


def _needed_actions(ctx: Context, params: Mapping[str, object]) -> tuple[bool, str]:
    tolerated = {a.lower() for a in (*TOLERATED_ACTIONS, *ctx.spec.tolerated_actions)}
    bad: list[str] = []
    for name, doc in ctx.editable():
        spec_doc = ctx.spec.document(name)
        if spec_doc is None:
            continue
        if spec_doc.kind is DocumentKind.GRANT_REQUEST:
            bad += _grant_ops_unused(ctx, doc)
            continue
        used = _used_for(ctx, name, spec_doc.kind)
        for stmt in _added(ctx, name, doc):
            if stmt.effect is not Effect.ALLOW:
                continue
            for a in _actions(stmt):
                if a.strip() in ("*", "kms:*"):
                    continue  # reported by no-kms-star
                if a.lower() in tolerated or any(_match(a, u) for u in used):
                    continue
                bad.append(f"`{a}` in {_where(doc.policy, stmt)} of {doc.result.title} is not used by any step")
    return (not bad), (_fail_list(bad) if bad else "every action you allow is used by a step")


def _used_for(ctx: Context, name: str, kind: DocumentKind) -> frozenset[str]:
    out: set[str] = set()
    if kind is DocumentKind.IDENTITY:
        for p in ctx.spec.principals:
            if name in p.policies:
                out |= ctx.used.by_caller.get(p.caller_arn, frozenset())
    elif kind is DocumentKind.KEY_POLICY:
        for k in ctx.spec.keys:
            if k.policy == name:
                out |= ctx.used.on_resource.get(k.arn, frozenset())
    elif kind is DocumentKind.BUCKET_POLICY:
        for b in ctx.spec.buckets:
            if b.policy == name:
                out |= ctx.used.on_resource.get(b.name, frozenset())
    return frozenset(out)


def _grant_ops_unused(ctx: Context, doc: LintedDoc) -> list[str]:
    data = doc.data if isinstance(doc.data, dict) else {}
    grantee = data.get("GranteePrincipal")
    ops = data.get("Operations")
    if not isinstance(grantee, str) or not isinstance(ops, list):
        return []
    used: set[str] = set()
    for p in ctx.spec.principals:
        if grantee in (p.arn, p.caller_arn):
            used |= ctx.used.by_caller.get(p.caller_arn, frozenset())
    return [f"grant operation `{op}` is not used by the grantee in any step"
            for op in ops if isinstance(op, str) and f"kms:{op}".lower() not in used]


def _explicit_deny_effective(ctx: Context, params: Mapping[str, object]) -> tuple[bool, str]:
    step_no, document, sid = params.get("step"), params.get("document"), params.get("sid")
    doc = ctx.docs.get(str(document))
    if doc is None or doc.policy is None:
        return False, f"the document `{document}` could not be read"
    if sid and not any(s.sid == sid and s.effect is Effect.DENY for s in doc.policy.statements):
        return False, f"the Deny statement `{sid}` is no longer in {doc.result.title}"
    step = next((s for s in ctx.steps if s.index == step_no), None)
    if step is None or step.outcome is Outcome.SKIPPED:
        return False, f"step {step_no} did not run"
    if step.outcome is not Outcome.FAILURE:
        return False, f"step {step_no} succeeded: the guardrail no longer refuses it"
    denies = [d.result.statement for d in step.deciding if d.result.statement.effect is Effect.DENY
              and d.document == document and (not sid or d.result.statement.label == sid)]
    if not denies:
        return False, f"step {step_no} failed, but not because of the explicit Deny{f' `{sid}`' if sid else ''}"
    return True, f"step {step_no} is refused by the explicit Deny `{denies[0].label}`"


def _customer_managed_key(ctx: Context, params: Mapping[str, object]) -> tuple[bool, str]:
    step = next((s for s in ctx.steps if s.index == params.get("step")), None)
    if step is None or step.outcome is not Outcome.SUCCESS:
        return False, f"step {params.get('step')} has not succeeded yet"
    cmks = {k.arn for k in ctx.spec.keys if not k.managed}
    kms_keys = [c.resource for c in step.calls if c.service == "kms"]
    if not kms_keys:
        return False, "the step made no KMS call: the object is not encrypted with SSE-KMS"
    others = [r for r in kms_keys if r not in cmks]
    if others:
        return False, f"encrypted under `{others[0]}`, which is not a customer managed key of this scenario"
    return True, f"encrypted under the customer managed key `{kms_keys[0]}`"


def _grant_constrained(ctx: Context, params: Mapping[str, object]) -> tuple[bool, str]:
    doc = ctx.docs.get(str(params.get("document", "")))
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    cons = data.get("Constraints")
    if isinstance(cons, dict):
        for name in ("EncryptionContextEquals", "EncryptionContextSubset"):
            pairs = cons.get(name)
            if isinstance(pairs, dict) and pairs:
                shown = ", ".join(f"{k}={v}" for k, v in pairs.items())
                return True, f"{name}: {shown}"
    return False, "the grant has no EncryptionContextEquals or EncryptionContextSubset constraint"


def _service_principal_conditioned(ctx: Context, params: Mapping[str, object]) -> tuple[bool, str]:
    doc = ctx.docs.get(str(params.get("document", "")))
    service = str(params.get("service", ""))
    raw_keys = params.get("keys", [])
    shown = [str(k) for k in raw_keys] if isinstance(raw_keys, list) else []
    keys = {k.lower() for k in shown}
    if doc is None or doc.policy is None:
        return False, "the key policy could not be read"
    stmts = [s for s in doc.policy.statements if s.effect is Effect.ALLOW and s.principal is not None
             and any(e.type is PrincipalType.SERVICE and e.value.text == service for e in s.principal.entries)]
    if not stmts:
        return False, f"no Allow statement names `{service}`"
    loose = [s for s in stmts if not any(c.key.lower() in keys for c in s.conditions)]
    if loose:
        return False, f"{_where(doc.policy, loose[0])} allows `{service}` without a condition on {', '.join(f'`{k}`' for k in shown)}"
    return True, f"every statement for `{service}` is conditioned"


def _iam_policy_counted(ctx: Context, params: Mapping[str, object]) -> tuple[bool, str]:
    """The IAM policy `document` decides (is counted and allows) every KMS call of the listed steps:
    the key policy enables IAM policies instead of naming the caller."""
    document = str(params.get("document", ""))
    raw = params.get("steps", [])
    wanted = [n for n in raw if isinstance(n, int)] if isinstance(raw, list) else []
    spec_doc = ctx.spec.document(document)
    title = spec_doc.title if spec_doc is not None else document
    for n in wanted:
        step = next((s for s in ctx.steps if s.index == n), None)
        if step is None or step.outcome is not Outcome.SUCCESS:
            return False, f"step {n} has not succeeded yet"
        gates = [g for c in step.calls if c.service == "kms" and c.decision is not None
                 for g in c.decision.gates if g.gate is Gate.IAM_POLICY
                 and any(r.policy_name == title for r in g.statements)]
        if not gates:
            return False, f"step {n} made no KMS call that {title} takes part in"
        if not all(g.counted for g in gates):
            return False, f"in step {n} {title} is still ignored: the key policy does not enable IAM policies"
        if not all(g.verdict.allowed for g in gates):
            return False, f"in step {n} {title} does not allow the call"
    return True, f"{title} takes effect in step{'s' if len(wanted) > 1 else ''} {', '.join(map(str, wanted))}"


CHECKS: dict[str, Check] = {
    "steps": _steps,
    "no-kms-star": _no_kms_star,
    "no-public-principal": _no_public_principal,
    "exact-key-arn": _exact_key_arn,
    "needed-actions": _needed_actions,
    "explicit-deny-effective": _explicit_deny_effective,
    "customer-managed-key": _customer_managed_key,
    "grant-constrained": _grant_constrained,
    "service-principal-conditioned": _service_principal_conditioned,
    "iam-policy-counted": _iam_policy_counted,
}
assert tuple(CHECKS) == OBJECTIVE_KINDS, "one check per objective kind the loader accepts"
