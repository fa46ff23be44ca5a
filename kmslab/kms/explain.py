"""Explain a decision in plain sentences, each citing the AWS page that states the rule.

Responsible for turning a Decision into: the verdict and its cause, then near misses (Allow
statements that were about this action but did not apply, grants that did not apply), then notes.
Decisions about a KMS key (kmslab.kms.authorize) speak of the key policy and "this key"; decisions
about an S3 bucket or object (kmslab.iam.authorize with a bucket-policy gate) speak of the bucket
policy and name the bucket or object, citing the S3 pages. Which one is read from the decision's
gates and resource.
Must not: evaluate anything; it reads the decision only.
"""

from __future__ import annotations

from dataclasses import dataclass

from kmslab.iam.decision import Caller, Decision, DenyReason, Element, ElementCheck, Gate, StatementResult, Verdict
from kmslab.iam.fastinit import fast_init
from kmslab.iam.policy import Effect
from kmslab.kms import citations as cite


@fast_init  # a denied request is explained in about ten sentences
@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    kind: str  # "verdict" | "cause" | "near-miss" | "note"
    citation: str = ""


def _q(values: tuple[str, ...]) -> str:
    return ", ".join(f"`{v}`" for v in values) if values else "nothing"


def resource_noun(d: Decision) -> str:
    """"key", "object" or "bucket": what the decision is about, read from its gates and resource."""
    if d.gate(Gate.BUCKET_POLICY) is None:
        return "key"
    return "object" if "/" in d.request.resource.removeprefix("arn:aws:s3:::") else "bucket"


def _target(d: Decision) -> str:
    """`this key`, or `this object (arn:aws:s3:::bucket/key)`: a bucket or object is named by its ARN."""
    noun = resource_noun(d)
    return "this key" if noun == "key" else f"this {noun} ({d.request.resource})"


def _where(r: StatementResult) -> str:
    if r.gate is Gate.KEY_POLICY:
        return "the key policy"
    return "the bucket policy" if r.gate is Gate.BUCKET_POLICY else r.policy_name


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
        return (f"its NotResource excludes {_target(d)}" if c.negated
                else f"its Resource is {_q(c.wanted)}, which does not match {_target(d)}")
    if c.negated:
        return f"its NotPrincipal excludes {d.request.caller.arn}"
    return f"its Principal is {_q(c.wanted)}, which does not match {d.request.caller.arn}"


def _verdict(d: Decision) -> list[Sentence]:
    a, caller, req = d.request.action, d.request.caller, d.request
    if d.gate(Gate.BUCKET_POLICY) is not None:
        return _bucket_verdict(d)
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
                             f"and {_caller_side(caller, iam)}", "verdict", cite.CROSS_ACCOUNT)]
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
        if d.callers_grants():
            out.append(Sentence(f"a grant for {caller.arn if caller.kind != 'assumed-role' else caller.role_arn} "
                                "exists, but it does not allow this request (below): a grant is the other way "
                                "to allow it without the key policy", "cause", cite.GRANTS))
        elif caller.kind == "service":
            # A service principal has no account and no IAM policies: "cross-account" does not apply.
            out.append(_service_cause(caller.arn, "key policy"))
        elif req.cross_account and caller.kind == "root":
            out.append(Sentence(f"cross-account use needs an allow in the key policy for account {caller.account}; "
                                "its root user needs no IAM policy", "cause", cite.CROSS_ACCOUNT))
        elif req.cross_account:
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


def _caller_side(caller: Caller, iam: tuple[StatementResult, ...]) -> str:
    """The caller's half of a cross-account allow: its IAM policy, or being its account's root user."""
    if not iam and caller.kind == "root":
        return f"the caller is account {caller.account}'s root user, which IAM policies do not limit"
    return f"an identity-based policy in account {caller.account} allows it too ({_names(iam)})"


def _service_cause(service: str, policy: str) -> Sentence:
    return Sentence(f"{service} is an AWS service principal: it has no identity-based policies, so only the "
                    f"{policy} can allow it", "cause", cite.PRINCIPAL_ELEMENT)


def _bucket_verdict(d: Decision) -> list[Sentence]:
    """The verdict and cause for a bucket or object: S3's bucket policy plus IAM (standard logic)."""
    # AWS: cross-account, the requester needs permission from both the bucket owner and its own account
    # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html);
    # in the owner's account the user policy or the bucket policy is enough
    # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-auth-workflow-object-operation.html)
    a, caller, req, target = d.request.action, d.request.caller, d.request, _target(d)
    s3_auth = cite.S3_OBJECT_AUTHORIZATION if resource_noun(d) == "object" else cite.S3_BUCKET_AUTHORIZATION
    det = d.determining
    if d.allowed:
        bp = tuple(r for r in det if r.gate is Gate.BUCKET_POLICY)
        iam = tuple(r for r in det if r.gate is Gate.IAM_POLICY)
        if bp and iam:
            return [Sentence(f"allowed: the bucket policy in account {req.resource_account} allows {a} ({_names(bp)}) "
                             f"and {_caller_side(caller, iam)}", "verdict", cite.S3_CROSS_ACCOUNT)]
        if bp:
            return [Sentence(f"allowed: {_names(bp)} allows {caller.arn} to use {a} on {target}", "verdict",
                             cite.S3_BUCKET_POLICIES)]
        return [Sentence(f"allowed: {_names(det)} allows {a} on {target}; in the bucket's own account an "
                         "identity-based policy alone is enough", "verdict", s3_auth)]
    if d.verdict is Verdict.EXPLICITLY_DENIED:
        return [Sentence(f"denied: {_names(det)} explicitly denies {a}", "verdict", cite.EVALUATION_LOGIC),
                Sentence("an explicit deny overrides every allow", "cause", cite.EVALUATION_LOGIC)]
    bucket = d.gate(Gate.BUCKET_POLICY)
    bp_allows = tuple(r for r in (bucket.statements if bucket is not None else ())
                      if r.applies and r.statement.effect is Effect.ALLOW)
    no_bucket_allow = Sentence(f"denied: no statement in the bucket policy of account {req.resource_account} allows "
                               f"{caller.arn} to use {a} on {target}", "verdict", cite.S3_BUCKET_POLICIES)
    if caller.kind == "service":
        return [no_bucket_allow, _service_cause(caller.arn, "bucket policy")]
    if req.cross_account and d.reason is DenyReason.NO_RESOURCE_POLICY_ALLOWS:
        return [no_bucket_allow, Sentence(f"cross-account access needs an allow in the bucket policy and in an IAM "
                                          f"policy in account {caller.account}", "cause", cite.S3_CROSS_ACCOUNT)]
    if req.cross_account:
        return [Sentence(f"denied: no identity-based policy in account {caller.account} allows {a} on {target}",
                         "verdict", cite.CROSS_ACCOUNT_LOGIC),
                Sentence(f"the bucket policy allows it ({_names(bp_allows)}), but cross-account access also needs "
                         f"an IAM policy in account {caller.account} allowing {a} on the {resource_noun(d)} ARN",
                         "cause", cite.S3_CROSS_ACCOUNT)]
    if bp_allows:
        # The bucket policy names the account (root): that delegates to IAM, it does not allow the user.
        return [Sentence(f"denied: no identity-based policy in account {caller.account} allows {a} on {target}",
                         "verdict", s3_auth),
                Sentence(f"the bucket policy allows account {caller.account} ({_names(bp_allows)}), which delegates "
                         f"to IAM: an IAM policy of the caller must allow {a}", "cause", cite.PRINCIPAL_ACCOUNTS)]
    return [Sentence(f"denied: neither the bucket policy nor an identity-based policy in account {caller.account} "
                     f"allows {caller.arn} to use {a} on {target}", "verdict", s3_auth),
            Sentence("in the bucket's own account an allow in either one is enough", "cause", s3_auth)]


def _action_matched(r: StatementResult) -> bool:
    for c in r.checks:
        if c.element is Element.ACTION:
            return c.matched
    return False


def _near_misses(d: Decision) -> list[Sentence]:
    out: list[Sentence] = []
    account = d.request.caller.account
    condition_url = cite.CONDITIONS_KMS if resource_noun(d) == "key" else cite.CONDITION_OPERATORS
    for g in d.gates:
        for r in g.statements:
            if r.error:
                out.append(Sentence(f"{_ref(r)} was ignored: {r.error}",
                                    "near-miss", cite.EVALUATION_LOGIC))
                continue
            if r.applies or r.statement.effect is not Effect.ALLOW or not _action_matched(r):
                continue
            failed = r.failed_checks
            principal = next((c for c in failed if c.element is Element.PRINCIPAL), None)
            if principal is not None and not principal.negated and not any(account in w for w in principal.wanted):
                continue  # a statement for another account is not a near miss
            url = cite.EVALUATION_LOGIC if failed[0].element is not Element.CONDITION else condition_url
            out.append(Sentence(f"{_ref(r)} did not apply: "
                                + "; ".join([describe_check(c, d) for c in failed]), "near-miss", url))
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
        enabling = _account_statements(d, iam.account)
        if enabling:
            # The account is named, but not for this action (aws/s3's metadata statement): per action.
            actions = tuple(dict.fromkeys(w for r in enabling for c in r.checks if c.element is Element.ACTION
                                          for w in c.wanted))
            out.append(Sentence(f"the key policy enables IAM policies for account {iam.account} only for "
                                f"{_q(actions)} ({_names(enabling)}), not for {d.request.action}, so "
                                f"{' and '.join(names)} {verb} ignored for this request", "note",
                                cite.KEY_POLICY_DEFAULT))
        else:
            out.append(Sentence(f"the key policy does not enable IAM policies for account {iam.account}, so "
                                f"{' and '.join(names)} {verb} ignored", "note", cite.KEY_POLICY_DEFAULT))
    return out


def _account_statements(d: Decision, account: str) -> tuple[StatementResult, ...]:
    """Key policy Allow statements whose Principal names `account` itself (which enables IAM policies
    for the actions they list) but whose Action does not cover this request."""
    kp = d.gate(Gate.KEY_POLICY)
    out = []
    for r in kp.statements if kp is not None else ():
        if r.statement.effect is not Effect.ALLOW or r.error:
            continue
        principal = next((c for c in r.checks if c.element is Element.PRINCIPAL), None)
        action = next((c for c in r.checks if c.element is Element.ACTION), None)
        if principal is None or action is None or principal.negated or not principal.matched or action.matched:
            continue
        if any(w.removeprefix("AWS:") in (account, f"arn:aws:iam::{account}:root") for w in principal.wanted):
            out.append(r)
    return tuple(out)


def explain(decision: Decision) -> tuple[Sentence, ...]:
    """Verdict and cause first, then near misses (denied requests only), then notes."""
    parts = _verdict(decision)
    if not decision.allowed:
        parts += _near_misses(decision)
    return tuple(parts + _notes(decision))
