"""KMS grant operations: CreateGrant, ListGrants, RetireGrant, RevokeGrant.

Responsible for grant bookkeeping (ids, tokens, constraints) and the request context the engine
needs to authorize CreateGrant (kms:GrantOperations, kms:GranteePrincipal,
kms:RetiringPrincipal, kms:GrantIsForAWSResource, kms:GrantConstraintType).
Whether a grant lets a caller use a key is decided by the engine (grants are passed to it).
Must not: decide access from policies.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping

from kmslab.iam.arn import parse_arn
from kmslab.kms.errors import (
    AccessDeniedException,
    InvalidArnException,
    InvalidGrantIdException,
    InvalidGrantTokenException,
    LimitExceededException,
    ValidationException,
)
from kmslab.kms.grants import GRANT_OPERATIONS, Grant, GrantConstraints
from kmslab.kms.request import KMSSteps, Req


Response = dict[str, object]
MAX_GRANTS_PER_KEY = 50_000  # AWS: grants per KMS key (https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html)


def _principal_param(req: Req, name: str, *, required: bool) -> str:
    value = req.str_param(name, required=required, max_len=256)
    if value is None:
        return ""
    arn = parse_arn(value)
    if arn is None or arn.service not in {"iam", "sts"} or not arn.account:
        raise InvalidArnException(f"{name} `{value}` is not a valid principal ARN (account root, user, role or assumed-role)")
    return value


def _pairs(value: object, what: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not value or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValidationException(f"Constraints.{what} must be a non-empty map of strings to strings")
    return tuple(sorted(value.items()))


def _constraints(req: Req) -> GrantConstraints | None:
    raw = req.params.get("Constraints")
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not raw or set(raw) - {"EncryptionContextEquals", "EncryptionContextSubset"}:
        raise ValidationException("Constraints takes EncryptionContextEquals or EncryptionContextSubset")
    if len(raw) > 1:
        raise ValidationException("Constraints may hold EncryptionContextEquals or EncryptionContextSubset, not both")
    if "EncryptionContextEquals" in raw:
        return GrantConstraints(encryption_context_equals=_pairs(raw["EncryptionContextEquals"], "EncryptionContextEquals"))
    return GrantConstraints(encryption_context_subset=_pairs(raw["EncryptionContextSubset"], "EncryptionContextSubset"))


def create_grant(svc: KMSSteps, req: Req) -> Response:
    w = svc.world
    grantee = _principal_param(req, "GranteePrincipal", required=True)
    retiring = _principal_param(req, "RetiringPrincipal", required=False)
    ops = req.params.get("Operations")
    if not isinstance(ops, (list, tuple)) or not ops or not all(isinstance(o, str) for o in ops):
        raise ValidationException("Operations must be a non-empty list of grant operations")
    bad = [o for o in ops if o not in GRANT_OPERATIONS]
    if bad:
        # AWS: only grant operations may be granted (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html#terms-grant-operations)
        raise ValidationException(f"1 validation error detected: Value '{bad[0]}' at 'operations' failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(GRANT_OPERATIONS)}]")
    constraints = _constraints(req)
    name = req.str_param("Name", max_len=256) or ""
    key = svc.key_param(req)
    context: dict[str, str | tuple[str, ...]] = {
        "kms:GrantOperations": tuple(ops),
        "kms:GranteePrincipal": grantee,
        # AWS: true when an integrated AWS service creates the grant for the caller
        # (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource)
        "kms:GrantIsForAWSResource": "true" if req.via_service else "false",
    }
    if retiring:
        context["kms:RetiringPrincipal"] = retiring
    if constraints is not None:
        context["kms:GrantConstraintType"] = (
            "EncryptionContextEquals" if constraints.encryption_context_equals is not None else "EncryptionContextSubset"
        )
    svc.authorize(req, "kms:CreateGrant", key, context=context)
    svc.check_state(key, "CreateGrant")
    if len(w.grants_for(key)) >= MAX_GRANTS_PER_KEY:
        raise LimitExceededException(f"The request was rejected because a quota was exceeded: grants per KMS key ({MAX_GRANTS_PER_KEY}).")
    # SIMULATION: a grantee that holds CreateGrant only through a grant may create child grants
    # of any operations here; AWS limits them to equally or more restrictive ones.
    grant_id = w.new_hex(32)
    # Standard base64, as AWS's tokens are: the URL-safe alphabet starts one token in 64 with "-",
    # which the AWS CLI reads as an option (`--grant-tokens -x...`).
    token = base64.b64encode(w.random_bytes(48)).decode()
    w.grants[grant_id] = Grant(
        grant_id=grant_id,
        key_arn=key.arn,
        grantee_principal=grantee,
        operations=tuple(ops),
        constraints=constraints,
        retiring_principal=retiring,
        name=name,
        issuing_account=req.caller_account,
        grant_token=token,
    )
    return {"GrantId": grant_id, "GrantToken": token}


def _grant_json(g: Grant) -> dict[str, object]:
    out: dict[str, object] = {
        "KeyId": g.key_arn,
        "GrantId": g.grant_id,
        "Name": g.name,
        "GranteePrincipal": g.grantee_principal,
        "IssuingAccount": f"arn:aws:iam::{g.issuing_account}:root",
        "Operations": list(g.operations),
    }
    if g.retiring_principal:
        out["RetiringPrincipal"] = g.retiring_principal
    c = g.constraints
    if c is not None:
        if c.encryption_context_equals is not None:
            out["Constraints"] = {"EncryptionContextEquals": dict(c.encryption_context_equals)}
        elif c.encryption_context_subset is not None:
            out["Constraints"] = {"EncryptionContextSubset": dict(c.encryption_context_subset)}
    return out


def list_grants(svc: KMSSteps, req: Req) -> Response:
    key = svc.key_param(req)
    svc.authorize(req, "kms:ListGrants", key)
    gid = req.str_param("GrantId")
    grantee = req.str_param("GranteePrincipal")
    rows = [
        _grant_json(g)
        for g in svc.world.grants_for(key)
        if (gid is None or g.grant_id == gid) and (grantee is None or g.grantee_principal == grantee)
    ]
    return {"Grants": rows, "Truncated": False}


def retire_grant(svc: KMSSteps, req: Req) -> Response:
    w = svc.world
    token = req.str_param("GrantToken", max_len=8192)
    gid = req.str_param("GrantId", max_len=128)
    grant: Grant | None
    if token is not None:
        grant = next((g for g in w.grants.values() if g.grant_token == token), None)
        if grant is None:
            raise InvalidGrantTokenException("The grant token is not valid.")
    elif gid is not None and req.params.get("KeyId") is not None:
        key = svc.key_param(req)
        grant = w.grants.get(gid)
        if grant is None or grant.key_arn != key.arn:
            raise InvalidGrantIdException(f"Grant id {gid} is not valid for key {key.arn}.")
    else:
        raise ValidationException("RetireGrant needs GrantToken, or KeyId and GrantId")
    if grant.key_arn not in req.keys:
        req.keys.append(grant.key_arn)
    who = req.who
    me = {who.arn, who.role_arn} - {""}
    # AWS: who may retire a grant: its retiring principal, its grantee when the grant allows
    # RetireGrant, or the account in which it was created
    # (https://docs.aws.amazon.com/kms/latest/developerguide/grant-manage.html#grant-delete).
    # SIMULATION: retirement rights come from the grant itself, not from policies, so this
    # bookkeeping check (not the engine) decides; the account case accepts the account root.
    allowed = (
        grant.retiring_principal in me
        or (grant.grantee_principal in me and "RetireGrant" in grant.operations)
        or (who.kind == "root" and who.account == grant.issuing_account)
    )
    if not allowed:
        raise AccessDeniedException(
            f"User: {req.caller} is not authorized to perform: kms:RetireGrant on resource: {grant.key_arn} "
            "because it is not the grant's retiring principal, a grantee with RetireGrant, or the issuing account"
        )
    del w.grants[grant.grant_id]
    return {}


def revoke_grant(svc: KMSSteps, req: Req) -> Response:
    key = svc.key_param(req)
    gid = req.str_param("GrantId", required=True, max_len=128)
    svc.authorize(req, "kms:RevokeGrant", key)
    grant = svc.world.grants.get(str(gid))
    if grant is None or grant.key_arn != key.arn:
        raise InvalidGrantIdException(f"Grant id {gid} is not valid for key {key.arn}.")
    del svc.world.grants[grant.grant_id]
    return {}


OPERATIONS: dict[str, Callable[[KMSSteps, Req], Response]] = {
    "CreateGrant": create_grant,
    "ListGrants": list_grants,
    "RetireGrant": retire_grant,
    "RevokeGrant": revoke_grant,
}
