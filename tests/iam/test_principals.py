from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmslab.iam.arn import is_account_id, parse_arn
from kmslab.iam.policy import PrincipalBlock, PrincipalType, PrincipalValue, Value
from kmslab.iam.principals import (VIA_ACCOUNT, VIA_DIRECT, VIA_EVERYONE, VIA_NONE, VIA_SERVICE, InvalidCallerError,
                                   aws_principal_matches, caller_from_arn, not_principal_spares, principal_match)

CALLERS = [
    ("root", "arn:aws:iam::111122223333:root", "root", "111122223333", "", ""),
    ("account-id", "111122223333", "root", "111122223333", "", ""),
    ("user", "arn:aws:iam::111122223333:user/bob", "user", "111122223333", "bob", ""),
    ("user-path", "arn:aws:iam::111122223333:user/dev/bob", "user", "111122223333", "bob", ""),
    ("role", "arn:aws:iam::111122223333:role/App", "role", "111122223333", "App", "arn:aws:iam::111122223333:role/App"),
    ("session", "arn:aws:sts::111122223333:assumed-role/App/s1", "assumed-role", "111122223333", "s1", "arn:aws:iam::111122223333:role/App"),
    ("federated", "arn:aws:sts::111122223333:federated-user/carol", "federated-user", "111122223333", "carol", ""),
    ("service", "cloudtrail.amazonaws.com", "service", "", "cloudtrail.amazonaws.com", ""),
]


@pytest.mark.parametrize(("arn", "kind", "account", "name", "role_arn"), [c[1:] for c in CALLERS], ids=[c[0] for c in CALLERS])
def test_caller_from_arn_recognises_kind(arn: str, kind: str, account: str, name: str, role_arn: str) -> None:
    c = caller_from_arn(arn)
    assert (c.kind, c.account, c.name, c.role_arn) == (kind, account, name, role_arn)


@pytest.mark.parametrize("bad", ["", "bob", "arn:aws:iam::abc:user/bob", "arn:aws:iam::111122223333:user/*",
                                 "arn:aws:s3:::bucket", "arn:aws:sts::111122223333:assumed-role/App",
                                 "arn:aws:iam::111122223333:group/admins"], ids=lambda s: s or "empty")
def test_caller_from_arn_rejects_non_principals(bad: str) -> None:
    with pytest.raises(InvalidCallerError):
        caller_from_arn(bad)


def aws(*texts: str, negated: bool = False) -> PrincipalBlock:
    return PrincipalBlock(negated, False, tuple(PrincipalValue(PrincipalType.AWS, Value(t)) for t in texts))


MATCHES = [
    ("star", PrincipalBlock(False, True, ()), "arn:aws:iam::111122223333:user/bob", VIA_EVERYONE),
    ("aws-star", aws("*"), "arn:aws:iam::111122223333:user/bob", VIA_EVERYONE),
    ("aws-star-not-service", aws("*"), "cloudtrail.amazonaws.com", VIA_NONE),
    ("account-id", aws("111122223333"), "arn:aws:iam::111122223333:user/bob", VIA_ACCOUNT),
    ("root-arn", aws("arn:aws:iam::111122223333:root"), "arn:aws:sts::111122223333:assumed-role/R/s", VIA_ACCOUNT),
    ("root-other-account", aws("arn:aws:iam::444455556666:root"), "arn:aws:iam::111122223333:user/bob", VIA_NONE),
    ("exact-user", aws("arn:aws:iam::111122223333:user/bob"), "arn:aws:iam::111122223333:user/bob", VIA_DIRECT),
    ("other-user", aws("arn:aws:iam::111122223333:user/alice"), "arn:aws:iam::111122223333:user/bob", VIA_NONE),
    ("role-matches-session", aws("arn:aws:iam::111122223333:role/R"), "arn:aws:sts::111122223333:assumed-role/R/s", VIA_DIRECT),
    ("role-path-matches-session", aws("arn:aws:iam::111122223333:role/team/R"), "arn:aws:sts::111122223333:assumed-role/R/s", VIA_DIRECT),
    ("role-other-account", aws("arn:aws:iam::444455556666:role/R"), "arn:aws:sts::111122223333:assumed-role/R/s", VIA_NONE),
    ("session-arn", aws("arn:aws:sts::111122223333:assumed-role/R/s"), "arn:aws:sts::111122223333:assumed-role/R/s", VIA_DIRECT),
    ("other-session", aws("arn:aws:sts::111122223333:assumed-role/R/x"), "arn:aws:sts::111122223333:assumed-role/R/s", VIA_NONE),
    ("direct-beats-account", aws("111122223333", "arn:aws:iam::111122223333:user/bob"), "arn:aws:iam::111122223333:user/bob", VIA_DIRECT),
    ("service", PrincipalBlock(False, False, (PrincipalValue(PrincipalType.SERVICE, Value("cloudtrail.amazonaws.com")),)), "cloudtrail.amazonaws.com", VIA_SERVICE),
    ("service-not-user", PrincipalBlock(False, False, (PrincipalValue(PrincipalType.SERVICE, Value("cloudtrail.amazonaws.com")),)), "arn:aws:iam::111122223333:user/bob", VIA_NONE),
]


@pytest.mark.parametrize(("block", "caller", "via"), [m[1:] for m in MATCHES], ids=[m[0] for m in MATCHES])
def test_principal_match_reports_how(block: PrincipalBlock, caller: str, via: str) -> None:
    assert principal_match(block, caller_from_arn(caller)) == via


# AWS: a NotPrincipal Deny spares a caller only when every identity it carries is listed: the account,
# the role for a session, and the caller itself; the documented examples list [user, account] and
# [session, role, account] (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html)
_A = "111111111111"
_BOB, _CAROL, _ROOT = f"arn:aws:iam::{_A}:user/bob", f"arn:aws:iam::{_A}:user/carol", f"arn:aws:iam::{_A}:root"
_ROLE = f"arn:aws:iam::{_A}:role/audit"
_SESSION, _OTHER = f"arn:aws:sts::{_A}:assumed-role/audit/app", f"arn:aws:sts::{_A}:assumed-role/audit/other"
NOT_PRINCIPAL = [
    ("user-and-account-spare-user", (_BOB, _ROOT), _BOB, True),
    ("user-and-account-do-not-spare-other-user", (_BOB, _ROOT), _CAROL, False),
    ("account-id-form-counts-as-account", (_BOB, _A), _BOB, True),
    ("user-without-account-does-not-spare-user", (_BOB,), _BOB, False),
    ("account-alone-spares-root-only", (_ROOT,), _ROOT, True),
    ("account-alone-does-not-spare-users", (_ROOT,), _BOB, False),
    ("session-role-account-spare-session", (_SESSION, _ROLE, _ROOT), _SESSION, True),
    ("session-role-account-do-not-spare-other-session", (_SESSION, _ROLE, _ROOT), _OTHER, False),
    ("role-and-account-do-not-spare-session", (_ROLE, _ROOT), _SESSION, False),
    ("session-and-account-without-role-do-not-spare", (_SESSION, _ROOT), _SESSION, False),
    ("other-account-listed-does-not-spare", ("arn:aws:iam::222222222222:user/bob", "arn:aws:iam::222222222222:root"),
     _BOB, False),
    ("aws-star-spares-everyone", ("*",), _CAROL, True),
]


@pytest.mark.parametrize(("listed", "caller", "spared"), [c[1:] for c in NOT_PRINCIPAL], ids=[c[0] for c in NOT_PRINCIPAL])
def test_not_principal_spares_only_fully_listed_callers(listed: tuple[str, ...], caller: str, spared: bool) -> None:
    assert not_principal_spares(aws(*listed, negated=True), caller_from_arn(caller)) is spared


def test_not_principal_spares_service_only_when_named() -> None:
    svc = caller_from_arn("cloudtrail.amazonaws.com")
    named = PrincipalBlock(True, False, (PrincipalValue(PrincipalType.SERVICE, Value("cloudtrail.amazonaws.com")),))
    assert not_principal_spares(named, svc) is True
    assert not_principal_spares(aws(_ROOT, negated=True), svc) is False


def _names_caller(text: str, caller_arn: str) -> str:
    """aws_principal_matches as it read before it skipped ARNs without the caller's account: the
    yardstick for that shortcut."""
    caller = caller_from_arn(caller_arn)
    if caller.kind == "service":
        return VIA_NONE
    if text == "*":
        return VIA_EVERYONE
    if is_account_id(text):
        return VIA_ACCOUNT if text == caller.account else VIA_NONE
    parsed = parse_arn(text)
    if parsed is None:
        return VIA_NONE
    if parsed.service == "iam" and parsed.resource == "root":
        return VIA_ACCOUNT if parsed.account == caller.account else VIA_NONE
    if text == caller.arn:
        return VIA_DIRECT
    if caller.kind == "assumed-role" and caller.role_arn and parsed.service == "iam" and \
            parsed.resource.startswith("role/") and \
            (parsed.account, parsed.resource.rsplit("/", 1)[-1]) == (caller.account, caller.role_arn.rsplit("/", 1)[-1]):
        return VIA_DIRECT
    return VIA_NONE


ACCOUNTS = st.sampled_from(["111122223333", "444455556666", "11112222333", "*"])
PRINCIPAL_TEXTS = st.one_of(
    ACCOUNTS,
    st.builds("arn:{}:{}::{}:{}".format, st.sampled_from(["aws", "aws-cn", "*"]), st.sampled_from(["iam", "sts"]),
              ACCOUNTS, st.sampled_from(["root", "user/bob", "role/App", "role/path/App", "assumed-role/App/s1",
                                         "federated-user/carol", "group/admins"])),
    st.text(max_size=8))


@given(PRINCIPAL_TEXTS, st.sampled_from([c[1] for c in CALLERS]))
def test_aws_principal_matches_as_it_did_before_the_account_shortcut(text: str, caller: str) -> None:
    assert aws_principal_matches(text, caller_from_arn(caller)) == _names_caller(text, caller)
