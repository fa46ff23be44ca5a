"""The KMS authorizer: key policy, IAM policies and grants, combined as AWS KMS does.

Responsible for the KMS rules (kms-semantics.md sections 1, 3, 5): the key policy is always
consulted; in the key's account an IAM policy counts only when the key policy allows the account;
cross-account needs the key policy and the caller's IAM policy; explicit deny wins over everything;
grants allow their operations for their grantee. Global keys are derived from the caller.
Must not: import Django, or decide anything through a second path (one engine: kmslab.iam).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kmslab.iam.actions import lookup_action
from kmslab.iam.arn import is_account_id, parse_arn
from kmslab.iam.authorize import (RawContext, denied_message, derived_context, normalise_context,
                                  summarise)
from kmslab.iam.decision import (Caller, Decision, DenyReason, Gate, GateResult, GrantResult, Request,
                                 StatementResult, Verdict)
from kmslab.iam.evaluate import evaluate_policy
from kmslab.iam.policy import Effect, Policy
from kmslab.iam.principals import VIA_ACCOUNT, VIA_NONE, caller_from_arn
from kmslab.kms.grants import Grant

_EC_PREFIX = "kms:encryptioncontext:"
# AWS: the grant operations that accept an encryption context (symmetric keys); grant constraints
# are not applied to the others (https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html)
_EC_OPERATIONS = frozenset({"Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey",
                            "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
                            "GenerateDataKeyPairWithoutPlaintext"})


class KeyArnError(ValueError):
    """The resource is not a KMS key ARN."""


def _encryption_context(ctx: Mapping[str, tuple[str, ...]], given: Mapping[str, str] | None) -> dict[str, str]:
    ec: dict[str, str] = dict(given or {})
    for key, vals in ctx.items():
        if key.lower().startswith(_EC_PREFIX) and len(vals) == 1:
            ec.setdefault(key[len(_EC_PREFIX):], vals[0])
    return ec


def _grantee_matches(grantee: str, caller: Caller) -> str:
    """"direct" when the grant names the caller (or its role); "account" for an account grantee."""
    if caller.kind == "service":
        return "direct" if grantee.lower() == caller.arn.lower() else VIA_NONE
    if grantee == caller.arn or (caller.role_arn and grantee == caller.role_arn):
        return "direct"
    if caller.kind == "assumed-role":
        g = parse_arn(grantee)
        if g and g.service == "iam" and g.resource.startswith("role/") and g.account == caller.account \
                and g.resource.rsplit("/", 1)[-1] == caller.role_arn.rsplit("/", 1)[-1]:
            return "direct"
    g = parse_arn(grantee)
    if (is_account_id(grantee) and grantee == caller.account) or \
            (g is not None and g.service == "iam" and g.resource == "root" and g.account == caller.account):
        return VIA_ACCOUNT
    return VIA_NONE


def _check_grant(grant: Grant, caller: Caller, action: str, key_arn: str, ec: Mapping[str, str],
                 iam_allows: bool) -> GrantResult:
    op = action.split(":", 1)[-1]
    ops = tuple(grant.operations)

    def res(ok: bool, why: str) -> GrantResult:
        return GrantResult(grant.grant_id, grant.grantee_principal, ops, ok, why)

    if grant.key_arn and grant.key_arn != key_arn:
        return res(False, "the grant is for another key")
    via = _grantee_matches(grant.grantee_principal, caller)
    if not via:
        return res(False, f"the grantee is `{grant.grantee_principal}`, not the caller")
    if op not in ops:
        return res(False, f"the grant does not include {op} (it allows {', '.join(ops) or 'nothing'})")
    c = grant.constraints
    if c is not None and op in _EC_OPERATIONS:
        # AWS: constraints apply only to cryptographic operations that take an encryption context;
        # in a grant constraint the key of each pair is not case sensitive, the value is
        # (https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html)
        got = {k.lower(): v for k, v in ec.items()}
        if c.encryption_context_equals is not None:
            want = {k.lower(): v for k, v in c.encryption_context_equals}
            if got != want:
                return res(False, "the encryption context does not equal the grant's EncryptionContextEquals constraint")
        if c.encryption_context_subset is not None:
            missing = [f"{k}={v}" for k, v in c.encryption_context_subset if got.get(k.lower()) != v]
            if missing:
                return res(False, "the encryption context lacks " + ", ".join(missing)
                           + " required by the grant's EncryptionContextSubset constraint")
    if via == VIA_ACCOUNT and not iam_allows:
        # SIMULATION: a grant to an account root is treated like a key policy naming the account:
        # its principals also need an IAM policy allowing the operation (not confirmed in the docs).
        return res(False, "the grant names the account; no IAM policy of the caller allows the operation")
    return res(True, f"the grant allows {op} for its grantee")


def authorize_kms(caller: str, action: str, key_arn: str, *, key_policy: Policy | None,
                  identity_policies: Sequence[Policy] = (), grants: Sequence[Grant] = (),
                  context: RawContext | None = None,
                  encryption_context: Mapping[str, str] | None = None) -> Decision:
    """Decide one KMS request. Raises InvalidCallerError / KeyArnError for malformed ARNs.

    key_policy None means the key's policy cannot be read: nothing in it allows.
    """
    who = caller_from_arn(caller)
    key = parse_arn(key_arn)
    if key is None or key.service != "kms" or key.resource_type != "key" or not is_account_id(key.account):
        raise KeyArnError(f"`{key_arn}` is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)")
    info = lookup_action(action)
    if info is not None and info.service == "kms":
        action = f"kms:{info.name}"  # the canonical spelling (the lookup is case-insensitive)
    ctx = normalise_context(context)
    ec = _encryption_context(ctx, encryption_context)
    for k, v in ec.items():
        ctx.setdefault(f"kms:EncryptionContext:{k}", (v,))
    if ec and not any(k.lower() == "kms:encryptioncontextkeys" for k in ctx):
        ctx["kms:EncryptionContextKeys"] = tuple(ec)
    ctx.update(derived_context(who))
    if who.kind != "service":
        ctx["kms:CallerAccount"] = (who.account,)
    request = Request(who, action, key_arn, key.account, ctx)
    low = {k.lower(): v for k, v in ctx.items()}
    key_name = f"key policy of {key.resource_id}"
    kp = evaluate_policy(key_policy, request, Gate.KEY_POLICY, policy_name=key_name, ctx=low) \
        if key_policy is not None else ()
    # The applying statements, split in one pass each (statement order kept); a key policy allow
    # either names the caller (directly, or everyone) or only its account (a delegation to IAM).
    kp_results = tuple([r for r, _ in kp])
    kp_deny: list[StatementResult] = []
    kp_allow_l: list[StatementResult] = []
    direct_l: list[StatementResult] = []
    account_l: list[StatementResult] = []
    for r, via in kp:
        if r.applies:
            if r.statement.effect is Effect.DENY:
                kp_deny.append(r)
            else:
                kp_allow_l.append(r)
                (account_l if via == VIA_ACCOUNT else direct_l).append(r)
    ids: list[StatementResult] = []
    if who.kind != "service":  # service principals have no identity policies
        for i, p in enumerate(identity_policies):
            name = p.name or f"IAM policy {i + 1} of {who.arn}"
            ids += [r for r, _ in evaluate_policy(p, request, Gate.IAM_POLICY, policy_name=name, ctx=low)]
    id_deny: list[StatementResult] = []
    id_allow_l: list[StatementResult] = []
    for r in ids:
        if r.applies:
            (id_deny if r.statement.effect is Effect.DENY else id_allow_l).append(r)
    kp_allow, direct, via_account = tuple(kp_allow_l), tuple(direct_l), tuple(account_l)
    id_allow = tuple(id_allow_l)
    grant_results = tuple([_check_grant(g, who, action, key_arn, ec, bool(id_allow)) for g in grants])
    granted = next((g for g in grant_results if g.applies), None) if grant_results else None

    same = who.account == key.account  # not request.cross_account
    iam_counted, iam_note = True, ""
    if who.kind == "service":
        iam_counted, iam_note = False, "a service principal has no IAM policies; only the key policy counts"
    elif same and not via_account:
        iam_counted = False
        iam_note = (f"the key policy does not allow account {who.account} (its root principal) to use "
                    f"{action}, so IAM policies in that account are ignored for this key")
    if key_policy is None:
        # SIMULATION: a key whose policy the learner cannot see is decided as if no statement allows.
        kp_note = "the key policy is not visible: nothing in it allows the request"
    else:
        kp_note = ""
    gates: tuple[GateResult, ...] = (
        summarise(Gate.KEY_POLICY, key.account, kp_results, note=kp_note),
        summarise(Gate.IAM_POLICY, who.account, ids, counted=iam_counted, note=iam_note),
        GateResult(Gate.GRANT, key.account, Verdict.ALLOWED if granted else Verdict.IMPLICITLY_DENIED,
                   grants=grant_results),
    )

    def done(verdict: Verdict, det: tuple[StatementResult, ...], reason: DenyReason, rule: str,
             grant_id: str = "") -> Decision:
        return Decision(request, verdict, gates, det, reason, denied_message(who, action, key_arn, reason),
                        rule, grant_id)

    # AWS: an explicit deny in any policy overrides every allow, grants included
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
    if kp_deny:
        return done(Verdict.EXPLICITLY_DENIED, tuple(kp_deny), DenyReason.EXPLICIT_DENY_RESOURCE_POLICY,
                    "explicit-deny")
    if id_deny:
        return done(Verdict.EXPLICITLY_DENIED, tuple(id_deny), DenyReason.EXPLICIT_DENY_IDENTITY_POLICY,
                    "explicit-deny")
    if not same and who.kind != "service" and info is not None and not info.cross_account:
        # AWS: only some KMS operations accept a key in another account ("Cross-account use" on each
        # API page, https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html)
        return done(Verdict.IMPLICITLY_DENIED, (), DenyReason.NO_RESOURCE_POLICY_ALLOWS, "not-cross-account-operation")
    # AWS: the account's root user is the account principal itself and is not limited by IAM
    # policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html)
    root = who.kind == "root"
    if root and same and via_account:
        direct = direct + via_account
    if who.kind == "service" or same:
        if direct:
            return done(Verdict.ALLOWED, direct, DenyReason.NONE, "key-policy-allows-principal")
        if via_account and id_allow:
            return done(Verdict.ALLOWED, via_account[:1] + id_allow, DenyReason.NONE, "key-policy-enables-iam")
    elif kp_allow and (id_allow or root):
        # AWS: cross-account use needs the key policy and an IAM policy in the caller's account
        # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html)
        return done(Verdict.ALLOWED, kp_allow + id_allow, DenyReason.NONE, "cross-account-both-allow")
    if granted is not None:
        # AWS: a grantee uses a grant's permissions as if a policy allowed them
        # (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html).
        # SIMULATION: a grant alone suffices, also for a grantee in another account (no IAM policy
        # needed); the stored docs did not confirm or refute the cross-account case.
        return done(Verdict.ALLOWED, (), DenyReason.NONE, "grant-allows", granted.grant_id)
    if who.kind == "service" or not (via_account if same else kp_allow):
        return done(Verdict.IMPLICITLY_DENIED, (), DenyReason.NO_RESOURCE_POLICY_ALLOWS, "no-allow")
    return done(Verdict.IMPLICITLY_DENIED, (), DenyReason.NO_IDENTITY_POLICY_ALLOWS, "no-allow")
