"""KMS grants: CreateGrant, ListGrants, RetireGrant, RevokeGrant, constraints, tokens."""

from __future__ import annotations

import pytest

from kmslab.aws.world import World
from kmslab.kms.errors import (
    AccessDeniedException,
    InvalidArnException,
    InvalidGrantIdException,
    InvalidGrantTokenException,
    ValidationException,
)
from tests.kms.test_world import A, B, doc, make_world, root, root_statement, stmt


def _world() -> tuple[World, str, str, str]:
    w = make_world()
    key = w.create_key(A, doc(root_statement(A), stmt(["kms:DescribeKey", "kms:ListGrants"], principal={"AWS": root(B)})))
    admin = w.add_user(A, "admin", policies=[doc(stmt(["kms:*"]))])
    worker = w.add_user(A, "worker")  # no IAM policy: only a grant can let it in
    return w, admin, worker, key.arn


def _grant(w: World, admin: str, arn: str, grantee: str, ops: list[str], **extra: object) -> dict[str, object]:
    return w.kms.call(admin, "CreateGrant", {"KeyId": arn, "GranteePrincipal": grantee, "Operations": ops, **extra})


def test_grant_lets_grantee_use_key() -> None:
    w, admin, worker, arn = _world()
    with pytest.raises(AccessDeniedException):
        w.kms.call(worker, "Encrypt", {"KeyId": arn, "Plaintext": b"x"})
    out = _grant(w, admin, arn, worker, ["Encrypt", "Decrypt"])
    assert out["GrantId"] and out["GrantToken"]
    blob = w.kms.call(worker, "Encrypt", {"KeyId": arn, "Plaintext": b"x", "GrantTokens": [out["GrantToken"]]})["CiphertextBlob"]
    assert w.kms.call(worker, "Decrypt", {"CiphertextBlob": blob})["Plaintext"] == b"x"
    with pytest.raises(AccessDeniedException):
        w.kms.call(worker, "GenerateDataKey", {"KeyId": arn, "KeySpec": "AES_256"})


def test_grant_decision_names_the_grant() -> None:
    w, admin, worker, arn = _world()
    gid = _grant(w, admin, arn, worker, ["Encrypt"])["GrantId"]
    traced = w.kms.call_traced(worker, "Encrypt", {"KeyId": arn, "Plaintext": b"x"})
    assert traced.error is None and traced.record.decision is not None
    assert traced.record.decision.granted_by_grant == gid


@pytest.mark.parametrize(
    "constraint,ctx,ok",
    [
        ({"EncryptionContextSubset": {"Department": "Finance", "Classification": "Public"}},
         {"Customer": "12345", "Department": "Finance", "Classification": "Public", "Purpose": "Test"}, True),
        ({"EncryptionContextSubset": {"Department": "Finance", "Classification": "Public"}},
         {"department": "finance", "classification": "public"}, False),
        ({"EncryptionContextEquals": {"Department": "Finance"}}, {"Department": "Finance"}, True),
        ({"EncryptionContextEquals": {"Department": "Finance"}}, {"Department": "Finance", "x": "y"}, False),
    ],
    ids=["subset-docs-example-accepts", "subset-docs-example-case-rejects", "equals-exact", "equals-extra-pair"],
)
def test_grant_constraints_follow_the_docs(constraint: dict[str, object], ctx: dict[str, str], ok: bool) -> None:
    w, admin, worker, arn = _world()
    _grant(w, admin, arn, worker, ["Encrypt"], Constraints=constraint)
    traced = w.kms.call_traced(worker, "Encrypt", {"KeyId": arn, "Plaintext": b"x", "EncryptionContext": ctx})
    assert (traced.error is None) is ok


@pytest.mark.parametrize(
    "extra,error",
    [
        ({"Operations": ["PutKeyPolicy"]}, ValidationException),
        ({"Operations": []}, ValidationException),
        ({"GranteePrincipal": "cloudtrail.amazonaws.com"}, InvalidArnException),
        ({"Constraints": {"EncryptionContextEquals": {"a": "1"}, "EncryptionContextSubset": {"a": "1"}}}, ValidationException),
        ({"Constraints": {"Other": {}}}, ValidationException),
    ],
    ids=["non-grant-operation", "no-operations", "service-principal-grantee", "both-constraints", "unknown-constraint"],
)
def test_create_grant_refusals(extra: dict[str, object], error: type[Exception]) -> None:
    w, admin, worker, arn = _world()
    params: dict[str, object] = {"KeyId": arn, "GranteePrincipal": worker, "Operations": ["Decrypt"], **extra}
    with pytest.raises(error):
        w.kms.call(admin, "CreateGrant", params)


def test_create_grant_without_permission_is_denied() -> None:
    w, _, worker, arn = _world()
    with pytest.raises(AccessDeniedException):
        w.kms.call(worker, "CreateGrant", {"KeyId": arn, "GranteePrincipal": worker, "Operations": ["Decrypt"]})


def test_list_grants_shows_grant_and_crosses_accounts() -> None:
    w, admin, worker, arn = _world()
    gid = _grant(w, admin, arn, worker, ["Decrypt"], Name="nightly")["GrantId"]
    rows = w.kms.call(admin, "ListGrants", {"KeyId": arn})["Grants"]
    assert [(g["GrantId"], g["Name"], g["Operations"]) for g in rows] == [(gid, "nightly", ["Decrypt"])]  # type: ignore[index,union-attr,attr-defined]
    bob = w.add_user(B, "bob", policies=[doc(stmt(["kms:ListGrants"], arn))])
    assert len(w.kms.call(bob, "ListGrants", {"KeyId": arn})["Grants"]) == 1  # type: ignore[arg-type]


def test_retire_grant_by_token_as_retiring_principal() -> None:
    w, admin, worker, arn = _world()
    retirer = w.add_user(A, "retirer")
    out = _grant(w, admin, arn, worker, ["Encrypt"], RetiringPrincipal=retirer)
    w.kms.call(retirer, "RetireGrant", {"GrantToken": out["GrantToken"]})
    assert w.grants == {}
    with pytest.raises(AccessDeniedException):
        w.kms.call(worker, "Encrypt", {"KeyId": arn, "Plaintext": b"x"})


def test_retire_grant_by_grantee_needs_retire_operation() -> None:
    w, admin, worker, arn = _world()
    gid = _grant(w, admin, arn, worker, ["Encrypt"])["GrantId"]
    with pytest.raises(AccessDeniedException):
        w.kms.call(worker, "RetireGrant", {"KeyId": arn, "GrantId": gid})
    gid2 = _grant(w, admin, arn, worker, ["Encrypt", "RetireGrant"])["GrantId"]
    w.kms.call(worker, "RetireGrant", {"KeyId": arn, "GrantId": gid2})
    assert list(w.grants) == [gid]


def test_retire_grant_with_junk_token_or_id_is_refused() -> None:
    w, admin, worker, arn = _world()
    with pytest.raises(InvalidGrantTokenException):
        w.kms.call(admin, "RetireGrant", {"GrantToken": "junk"})
    with pytest.raises(InvalidGrantIdException):
        w.kms.call(admin, "RetireGrant", {"KeyId": arn, "GrantId": "0" * 64})
    with pytest.raises(ValidationException):
        w.kms.call(admin, "RetireGrant", {})


def test_revoke_grant_needs_permission_and_removes_grant() -> None:
    w, admin, worker, arn = _world()
    gid = _grant(w, admin, arn, worker, ["Encrypt"])["GrantId"]
    with pytest.raises(AccessDeniedException):
        w.kms.call(worker, "RevokeGrant", {"KeyId": arn, "GrantId": gid})
    w.kms.call(admin, "RevokeGrant", {"KeyId": arn, "GrantId": gid})
    with pytest.raises(InvalidGrantIdException):
        w.kms.call(admin, "RevokeGrant", {"KeyId": arn, "GrantId": gid})


def test_create_grant_context_reaches_the_engine() -> None:
    w, _, worker, arn = _world()
    only_aws = w.add_user(A, "ops", policies=[doc(stmt(["kms:CreateGrant"], arn, condition={"Bool": {"kms:GrantIsForAWSResource": "true"}}))])
    params = {"KeyId": arn, "GranteePrincipal": worker, "Operations": ["Decrypt"]}
    assert isinstance(w.kms.call_traced(only_aws, "CreateGrant", params).error, AccessDeniedException)
    assert w.kms.call_traced(only_aws, "CreateGrant", params, via_service="ec2.us-east-1.amazonaws.com").error is None


def test_explicit_deny_in_key_policy_beats_a_grant() -> None:
    w = make_world()
    deny = stmt(["kms:Decrypt"], principal={"AWS": root(A)}, effect="Deny", condition={"StringEquals": {"aws:username": "worker"}})
    key = w.create_key(A, doc(root_statement(A), deny))
    admin = w.add_user(A, "admin", policies=[doc(stmt(["kms:*"]))])
    worker = w.add_user(A, "worker")
    _grant(w, admin, key.arn, worker, ["Encrypt", "Decrypt"])
    blob = w.kms.call(worker, "Encrypt", {"KeyId": key.arn, "Plaintext": b"x"})["CiphertextBlob"]
    with pytest.raises(AccessDeniedException) as info:
        w.kms.call(worker, "Decrypt", {"CiphertextBlob": blob})
    assert info.value.decision is not None and info.value.decision.verdict == "ExplicitlyDenied"


def test_root_of_issuing_account_may_retire_any_grant() -> None:
    w, admin, worker, arn = _world()
    gid = _grant(w, admin, arn, worker, ["Encrypt"])["GrantId"]
    w.kms.call(root(A), "RetireGrant", {"KeyId": arn, "GrantId": gid})
    assert w.grants == {}


def test_grant_tokens_never_start_with_a_dash() -> None:
    """The AWS CLI reads `--grant-tokens -abc` as an option: tokens use standard base64, as AWS's do."""
    w, admin, worker, arn = _world()
    tokens = [str(_grant(w, admin, arn, worker, ["Decrypt"], Name=f"g{i}")["GrantToken"]) for i in range(200)]
    assert len(set(tokens)) == 200
    assert not any(t.startswith("-") or "-" in t or "_" in t for t in tokens)
