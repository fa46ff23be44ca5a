"""Suggest the smallest least-privilege policy edit that would allow a denied request.

Responsible for reading a Decision and proposing one statement to add (to the caller's IAM policy,
or to the key policy for a KMS key, or to the bucket policy for an S3 bucket or object), or saying
why no policy edit can help (explicit deny, AWS managed key across accounts, an operation that
never works across accounts), and for applying a Fix to JSON.
Must not: evaluate; it reads the decision (a property test re-authorizes after applying a fix).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from kmslab.iam.decision import Decision, DenyReason, Element, Gate, StatementResult
from kmslab.iam.jsonpos import ARRAY, OBJECT, JNode, JsonSyntaxError, Member, read_json
from kmslab.iam.policy import Effect
from kmslab.kms import citations as cite
from kmslab.kms.explain import resource_noun
from kmslab.kms.grants import GRANT_OPERATIONS


class FixError(ValueError):
    """The policy text cannot take the fix (not a JSON object, or a bad Statement)."""


@dataclass(frozen=True, slots=True)
class Fix:
    gate: Gate
    account: str
    policy_name: str
    summary: str
    statement: Mapping[str, object]  # JSON of the statement to add, or to replace with
    replaces_index: int | None
    risky: bool
    warning: str
    possible: bool
    reason: str
    citation: str = ""
    then: "Fix | None" = None  # a second edit needed too (cross-account: key policy and IAM policy)
    # True: `statement` is {"Condition": {operator: {key: [values]}}} to merge into the statement at
    # `replaces_index` (its values added to that condition's list), not a statement to put there.
    merge: bool = False


AWS_MANAGED_REASON = ("AWS managed keys cannot be used across accounts: their key policy cannot be changed; "
                      "use a customer managed key")


def _label(r: StatementResult) -> str:
    """`AllowUse` (quoted Sid) or the statement's 1-based number when it has no Sid."""
    return f"`{r.statement.sid}`" if r.statement.sid else str(r.statement.index + 1)


def _where(r: StatementResult) -> str:
    return {Gate.KEY_POLICY: "the key policy", Gate.BUCKET_POLICY: "the bucket policy"}.get(r.gate, r.policy_name)


def _condition_only_misses(d: Decision, gate: Gate) -> list[StatementResult]:
    """Allow statements of `gate` that failed only on their conditions."""
    g = d.gate(gate)
    return [r for r in (g.statements if g is not None else ())
            if r.statement.effect is Effect.ALLOW and not r.error and r.failed_checks
            and all(c.element is Element.CONDITION for c in r.failed_checks)]


def _bypass_warning(d: Decision, gate: Gate, new_condition: Mapping[str, object] | None = None) -> str:
    """A warning when an Allow in `gate` failed only on its conditions: a new statement without them
    would silently drop them, so meeting the condition is the least-privilege fix."""
    for r in _condition_only_misses(d, gate):
        failed = r.failed_checks
        keys = tuple(dict.fromkeys(c.key for c in failed))
        kept = {k.lower() for clause in (new_condition or {}).values() if isinstance(clause, Mapping) for k in clause}
        if all(k.lower() in kept for k in keys):
            continue  # the proposed statement keeps (a narrower form of) every condition that failed
        how = "has no condition" if not new_condition else f"does not keep the {', '.join(keys)} condition"
        return (f"statement {_label(r)} of {_where(r)} already allows this when {', '.join(keys)} matches its "
                f"condition; prefer making the request meet it, as the statement proposed here {how}")
    return ""


# Keys that say which resource a service principal acts for (aws:SourceArn, aws:SourceAccount) or,
# for CloudTrail, which trail's log files a data key is for: a request from the same service for
# another of your resources misses them only because it is another resource, so the narrowest fix
# adds that resource to the condition.
_SCOPE_KEYS = ("aws:sourcearn", "aws:sourceaccount", "kms:encryptioncontext:aws:cloudtrail:arn")
_LISTABLE_OPERATORS = ("StringEquals", "StringLike", "ArnEquals", "ArnLike")


def _extend_fix(d: Decision, gate: Gate) -> Fix | None:
    """For a service principal, when an Allow failed only on a condition naming the resources it
    may act for, add the request's resource to that condition (one statement, not a second one).

    # AWS: a service principal's statement is narrowed with aws:SourceArn / aws:SourceAccount, listing
    # every resource it acts for (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html;
    # for CloudTrail, https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html)
    """
    if d.request.caller.kind != "service":
        return None
    for r in _condition_only_misses(d, gate):
        failed = r.failed_checks
        if not all(c.key.lower() in _SCOPE_KEYS and c.operator.removesuffix("IfExists") in _LISTABLE_OPERATORS
                   and len(c.got) == 1 for c in failed):
            continue
        delta: dict[str, dict[str, list[str]]] = {}
        for c in failed:
            delta.setdefault(c.operator, {})[c.key] = [c.got[0]]
        added = " and ".join(f"`{c.got[0]}` to the {c.key} condition" for c in failed)
        summary = f"add {added} of statement {_label(r)} of {_where(r)}"
        citation = cite.KEY_POLICIES if gate is Gate.KEY_POLICY else cite.S3_BUCKET_POLICIES
        return Fix(gate, d.request.resource_account, _where(r).removeprefix("the "), summary, {"Condition": delta},
                   r.statement.index, False, "", True, "", citation, merge=True)
    return None


def _sid(action: str, prefix: str) -> str:
    return prefix + re.sub(r"[^A-Za-z0-9]", "", action.split(":", 1)[-1])


NO_EDIT = "no policy edit can allow this request"


def _impossible(d: Decision, gate: Gate, reason: str, *, summary: str = NO_EDIT, risky: bool = False,
                index: int | None = None, name: str = "") -> Fix:
    """A fix that no edit can make: `summary` is its headline, `reason` says why (shown under it,
    so the two never repeat each other)."""
    return Fix(gate, d.request.resource_account, name, summary, {}, index, risky,
               "changing a deny can open access to others too" if risky else "", False, reason,
               cite.EVALUATION_LOGIC if risky else cite.AWS_MANAGED_KEYS)


def _iam_fix(d: Decision) -> Fix:
    c, a = d.request.caller, d.request.action
    iam = d.gate(Gate.IAM_POLICY)
    name = iam.statements[0].policy_name if iam is not None and iam.statements else ""
    stmt = {"Sid": _sid(a, "Allow"), "Effect": "Allow", "Action": a, "Resource": d.request.resource}
    # Who the policy belongs to, not the policy's name: a page shows the document's title beside the
    # summary, and "to Account B IAM policy (in Account B IAM policy)" said it twice.
    where = f"an IAM policy of {c.role_arn if c.kind == 'assumed-role' else c.arn}"
    warning = _bypass_warning(d, Gate.IAM_POLICY)
    noun = resource_noun(d)
    return Fix(Gate.IAM_POLICY, c.account, name, f"add `{a}` on this {noun}'s ARN to {where}", stmt, None,
               bool(warning), warning, True, "", cite.IAM_POLICIES if noun == "key" else cite.S3_CROSS_ACCOUNT)


def _principal(d: Decision) -> tuple[dict[str, str], str]:
    """The Principal a resource-policy statement should name, and how to say who it is."""
    c, req = d.request.caller, d.request
    if c.kind == "service":
        principal: dict[str, str] = {"Service": c.arn}
        who = c.arn
    elif req.cross_account:
        principal = {"AWS": f"arn:aws:iam::{c.account}:root"}
        who = f"account {c.account}"
    else:
        principal = {"AWS": c.role_arn if c.kind == "assumed-role" else c.arn}
        who = principal["AWS"]
    return principal, who


def _service_scope(d: Decision) -> tuple[dict[str, dict[str, str]], str] | None:
    """For a service principal, the condition that limits a new allow to the resource the service
    acts for (aws:SourceArn, else aws:SourceAccount), and how to say it; None when the request has
    neither.

    # AWS: a resource policy that allows a service principal should use aws:SourceArn or
    # aws:SourceAccount to prevent the confused deputy problem
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)
    """
    if d.request.caller.kind != "service":
        return None
    context = {k.lower(): v for k, v in d.request.context.items()}
    for key in ("aws:SourceArn", "aws:SourceAccount"):
        values = context.get(key.lower(), ())
        if len(values) == 1:
            return {"StringEquals": {key: values[0]}}, f" only for `{values[0]}` ({key})"
    return None


def _key_policy_fix(d: Decision) -> Fix:
    c, a, req = d.request.caller, d.request.action, d.request
    principal, who = _principal(d)
    stmt: dict[str, object] = {"Sid": _sid(a, "Allow"), "Effect": "Allow", "Principal": principal, "Action": a,
                               "Resource": "*"}
    scope = _service_scope(d)
    if scope is not None:
        stmt["Condition"] = scope[0]
    then = None
    iam = d.gate(Gate.IAM_POLICY)
    if req.cross_account and c.kind not in ("service", "root") and (iam is None or iam.verdict.value != "Allowed"):
        then = _iam_fix(d)
    summary = f"add a statement to the key policy allowing {who} to use `{a}`{scope[1] if scope else ''}"
    if then is not None:
        summary += f", then {then.summary}"
    warning = _bypass_warning(d, Gate.KEY_POLICY, scope[0] if scope else None)
    return Fix(Gate.KEY_POLICY, req.resource_account, "key policy", summary, stmt, None, bool(warning), warning, True,
               "", cite.CROSS_ACCOUNT if req.cross_account else cite.KEY_POLICIES, then)


def _enable_iam_fix(d: Decision) -> Fix | None:
    """In the key's own account, when the caller's IAM policy would allow the request but is
    ignored because the key policy does not enable IAM policies: the fix is the statement that
    enables them, AWS's default key policy statement for the account, not a statement naming the
    caller (which would work while leaving the IAM policy ignored).

    # AWS: "Allows access to the AWS account and enables IAM policies"
    # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam)
    """
    c, req = d.request.caller, d.request
    iam = d.gate(Gate.IAM_POLICY)
    if req.cross_account or c.kind in ("service", "root") or iam is None or iam.counted or not iam.verdict.allowed:
        return None
    root = f"arn:aws:iam::{c.account}:root"
    stmt = {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*",
            "Resource": "*"}
    names = " and ".join(sorted({r.policy_name for r in iam.statements})) or "the caller's IAM policy"
    summary = (f"add the default key policy statement that enables IAM policies for account {c.account} "
               f"(`Enable IAM User Permissions`: `{root}`, `kms:*`), so {names} takes effect; narrower: the "
               f"same statement with only `{req.action}` enables IAM policies for that action alone")
    return Fix(Gate.KEY_POLICY, req.resource_account, "key policy", summary, stmt, None, False, "", True, "",
               cite.KEY_POLICY_DEFAULT)


def _bucket_policy_fix(d: Decision) -> Fix:
    """An allow in the bucket policy naming the exact bucket or object ARN (a bucket policy's Resource
    must name the bucket or its objects; there is no "*" meaning "this resource" as in a key policy)."""
    c, a, req = d.request.caller, d.request.action, d.request
    principal, who = _principal(d)
    stmt: dict[str, object] = {"Sid": _sid(a, "Allow"), "Effect": "Allow", "Principal": principal, "Action": a,
                               "Resource": req.resource}
    scope = _service_scope(d)
    if scope is not None:
        stmt["Condition"] = scope[0]
    iam = d.gate(Gate.IAM_POLICY)
    then = None
    if req.cross_account and c.kind not in ("service", "root") and (iam is None or not iam.verdict.allowed):
        then = _iam_fix(d)
    summary = (f"add a statement to the bucket policy allowing {who} to use `{a}` on this {resource_noun(d)}'s ARN"
               f"{scope[1] if scope else ''}")
    if then is not None:
        summary += f", then {then.summary}"
    warning = _bypass_warning(d, Gate.BUCKET_POLICY, scope[0] if scope else None)
    # AWS: cross-account, the bucket owner allows the other account, which delegates to its users with
    # IAM policies (https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html)
    return Fix(Gate.BUCKET_POLICY, req.resource_account, "bucket policy", summary, stmt, None, bool(warning), warning,
               True, "", cite.S3_CROSS_ACCOUNT if req.cross_account and c.kind != "service" else cite.S3_BUCKET_POLICIES,
               then)


def _grant_fix(d: Decision) -> Fix | None:
    """When a grant for this caller exists but lacks the operation, the smallest edit is to that
    grant (the mechanism already chosen), not a new key policy statement. Grants cannot be edited
    in AWS: the fix is a grant created with the operation (retire the old one)."""
    req = d.request
    op = req.action.split(":", 1)[-1]
    if op not in GRANT_OPERATIONS:
        return None
    for g in d.callers_grants():
        if op not in g.operations:
            ops = [*g.operations, op]
            summary = (f"add `{op}` to the Operations of the grant for {g.grantee} (in AWS a grant cannot be "
                       "changed: create it again with the operation, then retire the old one)")
            return Fix(Gate.GRANT, req.resource_account, "grant", summary, {"Operations": ops}, None,
                       False, "", True, "", cite.GRANTS)
    return None


def suggest_fix(decision: Decision, *, key_manager: str = "CUSTOMER", grant_fixes: bool = True) -> Fix | None:
    """None when the request is allowed; otherwise the smallest edit (or why none can help).

    `grant_fixes=False` when the caller's grants are not the learner's to change (a service made
    them): the fix is then a policy edit."""
    d = decision
    if d.allowed:
        return None
    if d.reason in (DenyReason.EXPLICIT_DENY_RESOURCE_POLICY, DenyReason.EXPLICIT_DENY_IDENTITY_POLICY):
        r = d.determining[0]
        return _impossible(d, r.gate, f"it explicitly denies {d.request.action}, and no allow can override an "
                           "explicit deny", summary=f"narrow or remove statement {_label(r)} of {r.policy_name}",
                           risky=True, index=r.statement.index, name=r.policy_name)
    if d.rule == "not-cross-account-operation":
        return _impossible(d, Gate.KEY_POLICY, f"{d.request.action} cannot be used on a key in another account")
    if d.gate(Gate.BUCKET_POLICY) is not None:
        # key_manager is about a KMS key: it has no say over a bucket policy decision.
        service = d.request.caller.kind == "service"  # no identity-based policies: only the bucket policy can allow
        if service or d.reason is DenyReason.NO_RESOURCE_POLICY_ALLOWS:
            return _extend_fix(d, Gate.BUCKET_POLICY) or _bucket_policy_fix(d)
        return _iam_fix(d)
    kp = d.gate(Gate.KEY_POLICY)
    if d.reason is DenyReason.NO_RESOURCE_POLICY_ALLOWS:
        if key_manager.upper() == "AWS":
            if d.request.cross_account:
                return _impossible(d, Gate.KEY_POLICY, AWS_MANAGED_REASON,
                                   summary="use a customer managed key: " + NO_EDIT)
            return _impossible(d, Gate.KEY_POLICY, "the key policy of an AWS managed key cannot be changed; it "
                               "allows use only through its AWS service in its own account")
        if kp is not None and kp.note:
            return _impossible(d, Gate.KEY_POLICY, "the key policy is not visible",
                               summary=f"ask the owner of account {d.request.resource_account} to allow "
                                       f"{d.request.action} in the key policy")
        grant_fix = _grant_fix(d) if grant_fixes else None
        return grant_fix or _extend_fix(d, Gate.KEY_POLICY) or _enable_iam_fix(d) or _key_policy_fix(d)
    return _iam_fix(d)


def apply_fix(policy_text: str, fix: Fix) -> str:
    """Return the policy with the fix's statement added (or put at `replaces_index`).

    The learner's text is kept as written: the statement is inserted (or replaced) in place, indented
    like its neighbours, so a diff shows only the edit. Text this cannot edit in place (a single
    Statement object, an empty list, no Version) is rewritten as 2-space JSON. Blank text starts a
    new policy. Raises FixError for text that is not a policy object.
    """
    if not fix.possible or not fix.statement:
        raise FixError("this fix has no statement to apply")
    if fix.gate is Gate.GRANT:
        return _apply_grant_fix(policy_text, fix)
    if policy_text.strip():
        try:
            doc = json.loads(policy_text)
        except (ValueError, RecursionError) as exc:
            raise FixError(f"the policy is not valid JSON ({exc})") from None
    else:
        doc = {"Version": "2012-10-17", "Statement": []}
    if not isinstance(doc, dict):
        raise FixError("the policy must be a JSON object")
    stmts = doc.get("Statement", [])
    if isinstance(stmts, dict):
        stmts = [stmts]
    if not isinstance(stmts, list):
        raise FixError("`Statement` must be an object or a list")
    if fix.merge:
        return _apply_merge(policy_text, doc, stmts, fix)
    new = dict(fix.statement)
    sids = {s.get("Sid") for s in stmts if isinstance(s, dict)}
    base, n = str(new.get("Sid", "")), 2
    while new.get("Sid") in sids and fix.replaces_index is None:
        new["Sid"] = f"{base}{n}"
        n += 1
    replace = fix.replaces_index is not None and 0 <= fix.replaces_index < len(stmts)
    if replace:
        stmts[fix.replaces_index] = new  # type: ignore[index]
    else:
        stmts.append(new)
    doc["Statement"] = stmts
    doc.setdefault("Version", "2012-10-17")
    in_place = _edit_in_place(policy_text, new, fix.replaces_index if replace else None)
    if in_place is not None and json.loads(in_place) == doc:
        return in_place
    return json.dumps(doc, indent=2)


def _apply_merge(policy_text: str, doc: dict[str, object], stmts: list[object], fix: Fix) -> str:
    """The policy with the fix's condition values added to statement `replaces_index`'s lists."""
    i = fix.replaces_index
    if i is None or not 0 <= i < len(stmts) or not isinstance(stmts[i], dict):
        raise FixError("the statement to extend is not in the policy")
    new = json.loads(json.dumps(stmts[i]))
    condition = new.get("Condition")
    delta = fix.statement.get("Condition")
    if not isinstance(condition, dict) or not isinstance(delta, Mapping):
        raise FixError("the statement to extend has no Condition")
    for operator, keys in delta.items():
        block = condition.get(operator)
        if not isinstance(block, dict) or not isinstance(keys, Mapping):
            raise FixError(f"the statement to extend has no `{operator}` condition")
        for key, values in keys.items():
            name = next((k for k in block if k.lower() == str(key).lower()), None)
            if name is None:
                raise FixError(f"the statement to extend has no `{key}` condition")
            old = block[name] if isinstance(block[name], list) else [block[name]]
            block[name] = [*old, *(v for v in cast("list[object]", values) if v not in old)]
    stmts[i] = new
    doc["Statement"] = stmts
    in_place = _edit_in_place(policy_text, new, i)
    if in_place is not None and json.loads(in_place) == doc:
        return in_place
    return json.dumps(doc, indent=2)


def _edit_in_place(text: str, statement: dict[str, object], replaces: int | None) -> str | None:
    """The text with `statement` inserted after the last statement (or replacing statement
    `replaces`), or None when the text's shape does not allow an edit in place."""
    try:
        root = read_json(text)
    except JsonSyntaxError:
        return None
    if root.kind != OBJECT:
        return None
    members = {m.key: m.node for m in cast("list[Member]", root.value)}  # last duplicate wins, as json.loads
    array = members.get("Statement")
    if "Version" not in members or array is None or array.kind != ARRAY or not array.value:
        return None
    items = cast("list[JNode]", array.value)
    anchor = items[replaces if replaces is not None else -1]
    line_start = text.rfind("\n", 0, anchor.start) + 1
    before = text[line_start:anchor.start]
    indent = before if not before.strip() else re.match(r"[ \t]*", before).group() + "  "  # type: ignore[union-attr]
    unit = re.search(r"\n([ \t]+)\S", text)  # the learner's indent step (first indented line), else 2 spaces
    body = json.dumps(statement, indent=unit.group(1) if unit else 2).replace("\n", "\n" + indent)
    if replaces is not None:
        return text[:anchor.start] + body + text[anchor.end:]
    return text[:anchor.end] + ",\n" + indent + body + text[anchor.end:]


def _apply_grant_fix(request_text: str, fix: Fix) -> str:
    """A CreateGrant request (JSON object) with the fix's fields set: each field's value replaced
    in place where the request already has it (one line), else the request rewritten as 2-space JSON."""
    try:
        request = json.loads(request_text) if request_text.strip() else {}
    except (ValueError, RecursionError) as exc:
        raise FixError(f"the grant request is not valid JSON ({exc})") from None
    if not isinstance(request, dict):
        raise FixError("the grant request must be a JSON object")
    request.update(fix.statement)
    text = request_text
    try:
        members = {m.key: m.node for m in cast("list[Member]", read_json(text).value)}
    except JsonSyntaxError:
        members = {}
    spans = sorted(((members[k].start, members[k].end, v) for k, v in fix.statement.items() if k in members),
                   reverse=True)  # from the end, so earlier offsets stay valid
    if len(spans) == len(fix.statement):
        for start, end, value in spans:
            text = text[:start] + json.dumps(value) + text[end:]
        if json.loads(text) == request:
            return text
    return json.dumps(request, indent=2)
