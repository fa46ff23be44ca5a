"""Generic IAM authorization: a resource-based policy plus the caller's identity policies.

Responsible for AWS's standard evaluation logic (explicit deny anywhere wins; same account: an
allow in either the resource policy or an identity policy suffices; cross-account: both must
allow), used by the simulated S3 for bucket policies, and for helpers the KMS authorizer shares
(context normalisation, gate summaries, the AccessDeniedException wording).
Must not: know KMS's special rules (kmslab.kms.authorize has them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kmslab.iam.decision import (Caller, Decision, DenyReason, Gate, GateResult, Request, StatementResult,
                                 Verdict)
from kmslab.iam.evaluate import evaluate_policy
from kmslab.iam.policy import Effect, Policy
from kmslab.iam.principals import VIA_ACCOUNT, caller_from_arn

RawContext = Mapping[str, "str | Sequence[str]"]

# Keys AWS sets from the authenticated caller; values supplied in a request context are ignored.
DERIVED_KEYS = frozenset({"aws:principalarn", "aws:principalaccount", "aws:username", "aws:userid",
                          "aws:principaltype", "kms:calleraccount"})

_REASON_TEXT = {
    DenyReason.NO_RESOURCE_POLICY_ALLOWS: "because no resource-based policy allows the {a} action",
    DenyReason.NO_IDENTITY_POLICY_ALLOWS: "because no identity-based policy allows the {a} action",
    DenyReason.EXPLICIT_DENY_RESOURCE_POLICY: "with an explicit deny in a resource-based policy",
    DenyReason.EXPLICIT_DENY_IDENTITY_POLICY: "with an explicit deny in an identity-based policy",
}


def denied_message(caller: Caller, action: str, resource: str, reason: DenyReason) -> str:
    """AWS: `User: ARN is not authorized to perform: ACTION on resource: ARN because ...`
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)."""
    if reason is DenyReason.NONE:
        return ""
    # SIMULATION: AWS words a Decrypt of symmetric ciphertext without KeyId as "on the resource
    # associated with this ciphertext"; we always name the key ARN, which the learner can act on.
    return (f"User: {caller.arn} is not authorized to perform: {action} on resource: {resource} "
            + _REASON_TEXT[reason].format(a=action))


def normalise_context(context: RawContext | None) -> dict[str, tuple[str, ...]]:
    """String-or-list values to tuples; derived keys dropped (they are never trusted from input)."""
    out: dict[str, tuple[str, ...]] = {}
    for key, value in (context or {}).items():
        if not isinstance(key, str) or key.lower() in DERIVED_KEYS:
            continue
        vals = (value,) if isinstance(value, str) else tuple(v for v in value if isinstance(v, str))
        out[key] = vals
    return out


_PRINCIPAL_TYPE = {"root": "Account", "user": "User", "role": "AssumedRole", "assumed-role": "AssumedRole",
                   "federated-user": "FederatedUser", "service": "Service"}


def derived_context(caller: Caller) -> dict[str, tuple[str, ...]]:
    """Global keys AWS derives from the caller (reference_policies_condition-keys.html)."""
    if caller.kind == "service":
        return {}
    principal_arn = caller.role_arn if caller.kind == "assumed-role" else caller.arn
    out: dict[str, tuple[str, ...]] = {"aws:PrincipalArn": (principal_arn,), "aws:PrincipalAccount": (caller.account,),
           "aws:PrincipalType": (_PRINCIPAL_TYPE[caller.kind],)}
    if caller.kind == "user":
        out["aws:username"] = (caller.name,)
    if caller.kind == "root":
        out["aws:userid"] = (caller.account,)  # AWS: the root user's aws:userid is the account id
    if caller.userid:
        out["aws:userid"] = (caller.userid,)
    return out


def summarise(gate: Gate, account: str, results: Sequence[StatementResult], *, counted: bool = True,
              note: str = "") -> GateResult:
    """A gate on its own: ExplicitlyDenied if a Deny applies, Allowed if an Allow does."""
    verdict = Verdict.IMPLICITLY_DENIED
    for r in results:  # one pass: this runs for every gate of every authorization
        if r.applies:
            if r.statement.effect is Effect.DENY:
                verdict = Verdict.EXPLICITLY_DENIED
                break
            verdict = Verdict.ALLOWED
    return GateResult(gate, account, verdict, tuple(results), (), counted, note)


def applying(results: Sequence[StatementResult], effect: Effect) -> tuple[StatementResult, ...]:
    return tuple([r for r in results if r.applies and r.statement.effect is effect])


def authorize(caller: str, action: str, resource: str, resource_account: str, *,
              resource_policy: Policy | None, identity_policies: Sequence[Policy] = (),
              resource_gate: Gate = Gate.BUCKET_POLICY, context: RawContext | None = None) -> Decision:
    """Standard IAM evaluation for one request. Raises InvalidCallerError for a bad caller ARN."""
    who = caller_from_arn(caller)
    ctx = normalise_context(context)
    ctx.update(derived_context(who))
    request = Request(who, action, resource, resource_account, ctx)
    low = {k.lower(): v for k, v in ctx.items()}
    res_pairs = evaluate_policy(resource_policy, request, resource_gate, ctx=low) if resource_policy is not None else ()
    res_results = tuple(r for r, _ in res_pairs)
    id_results: tuple[StatementResult, ...] = ()
    if who.kind != "service":
        for p in identity_policies:
            id_results += tuple(r for r, _ in evaluate_policy(p, request, Gate.IAM_POLICY, ctx=low))
    res_gate = summarise(resource_gate, resource_account, res_results)
    id_gate = summarise(Gate.IAM_POLICY, who.account, id_results)
    gates = (res_gate, id_gate)

    def done(verdict: Verdict, det: tuple[StatementResult, ...], reason: DenyReason, rule: str) -> Decision:
        return Decision(request, verdict, gates, det, reason, denied_message(who, action, resource, reason), rule)

    if (d := applying(res_results, Effect.DENY)):
        return done(Verdict.EXPLICITLY_DENIED, d, DenyReason.EXPLICIT_DENY_RESOURCE_POLICY, "explicit-deny")
    if (d := applying(id_results, Effect.DENY)):
        return done(Verdict.EXPLICITLY_DENIED, d, DenyReason.EXPLICIT_DENY_IDENTITY_POLICY, "explicit-deny")
    res_allow, id_allow = applying(res_results, Effect.ALLOW), applying(id_results, Effect.ALLOW)
    if request.cross_account and who.kind != "service":
        if res_allow and id_allow:
            return done(Verdict.ALLOWED, res_allow + id_allow, DenyReason.NONE, "cross-account-both-allow")
        reason = DenyReason.NO_IDENTITY_POLICY_ALLOWS if res_allow else DenyReason.NO_RESOURCE_POLICY_ALLOWS
        return done(Verdict.IMPLICITLY_DENIED, (), reason, "no-allow")
    # AWS: naming an account in Principal delegates to it: its identities still need an identity-based
    # allow, except the root user (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts)
    res_direct = tuple(r for r, via in res_pairs if r.applies and r.statement.effect is Effect.ALLOW
                       and (via != VIA_ACCOUNT or who.kind in ("root", "service")))
    if res_direct or id_allow:
        rule = "resource-policy-allows" if res_direct else "identity-policy-allows"
        return done(Verdict.ALLOWED, res_direct or id_allow, DenyReason.NONE, rule)
    # SIMULATION: when nothing allows in the same account we use the identity-based wording.
    return done(Verdict.IMPLICITLY_DENIED, (), DenyReason.NO_IDENTITY_POLICY_ALLOWS, "no-allow")
