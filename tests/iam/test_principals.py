from __future__ import annotations

import pytest

from kmslab.iam.policy import PrincipalBlock, PrincipalType, PrincipalValue, Value
from kmslab.iam.principals import (VIA_ACCOUNT, VIA_DIRECT, VIA_EVERYONE, VIA_NONE, VIA_SERVICE, InvalidCallerError,
                                   caller_from_arn, principal_match)

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
