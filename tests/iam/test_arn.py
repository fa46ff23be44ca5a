import pytest

from kmslab.iam.arn import (
    Arn,
    account_of,
    is_account_id,
    is_alias_arn,
    is_bare_key_id,
    is_key_arn,
    key_arn,
    parse_arn,
)

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"arn:aws:kms:us-east-1:111122223333:key/{KEY_ID}",
            Arn("aws", "kms", "us-east-1", "111122223333", f"key/{KEY_ID}", "key", KEY_ID),
        ),
        (
            "arn:aws:kms:us-east-1:111122223333:alias/app",
            Arn("aws", "kms", "us-east-1", "111122223333", "alias/app", "alias", "app"),
        ),
        ("arn:aws:iam::111122223333:user/bob", Arn("aws", "iam", "", "111122223333", "user/bob", "user", "bob")),
        ("arn:aws:iam::111122223333:role/R", Arn("aws", "iam", "", "111122223333", "role/R", "role", "R")),
        ("arn:aws:iam::111122223333:root", Arn("aws", "iam", "", "111122223333", "root", "root", "")),
        (
            "arn:aws:sts::111122223333:assumed-role/R/session",
            Arn("aws", "sts", "", "111122223333", "assumed-role/R/session", "assumed-role", "R/session"),
        ),
        ("arn:aws:s3:::bucket/a/b.txt", Arn("aws", "s3", "", "", "bucket/a/b.txt", "", "bucket/a/b.txt")),
        (
            "arn:aws:ec2:us-east-1::snapshot/snap-1",
            Arn("aws", "ec2", "us-east-1", "", "snapshot/snap-1", "snapshot", "snap-1"),
        ),
        (
            "arn:aws-cn:logs:cn-north-1:111122223333:log-group:g",
            Arn("aws-cn", "logs", "cn-north-1", "111122223333", "log-group:g", "log-group", "g"),
        ),
        ("arn:aws:kms:*:111122223333:key/*", Arn("aws", "kms", "*", "111122223333", "key/*", "key", "*")),
    ],
    ids=["key", "alias", "user", "role", "root", "assumed-role", "s3-object", "snapshot", "colon-type", "wildcards"],
)
def test_parse_arn_splits_parts(text, expected):
    assert parse_arn(text) == expected
    assert str(parse_arn(text)) == text


@pytest.mark.parametrize(
    "text",
    ["", "*", "arn:aws:kms", "arn:aws:kms:us-east-1:1:", "arn::kms:r:a:key/x", "arn:foo:kms:r:a:key/x",
     "ARN:aws:kms:r:a:key/x", "arn:aws::r:a:key/x", "arn:aws:kms:us-east-1:111122223333:key/a b",
     "arn:aws:kms:" + "x" * 3000, None, 12, ["arn:aws:iam::1:root"]],
    ids=["empty", "star", "short", "no-resource", "no-partition", "bad-partition", "upper-prefix",
         "no-service", "space", "too-long", "none", "int", "list"],
)
def test_parse_arn_rejects_malformed(text):
    assert parse_arn(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("111122223333", True), ("11112222333", False), ("1111222233334", False), ("11112222333a", False),
     ("١١١١٢٢٢٢٣٣٣٣", False), (111122223333, False)],
    ids=["twelve", "eleven", "thirteen", "letter", "arabic-digits", "int"],
)
def test_is_account_id_requires_twelve_ascii_digits(value, expected):
    assert is_account_id(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("111122223333", "111122223333"), ("arn:aws:iam::111122223333:root", "111122223333"),
     ("arn:aws:sts::444455556666:assumed-role/R/s", "444455556666"), ("*", ""),
     ("s3.amazonaws.com", ""), ("arn:aws:s3:::bucket", ""), ("arn:aws:iam::*:root", ""), (None, "")],
    ids=["bare", "root", "session", "star", "service", "s3", "wild-account", "none"],
)
def test_account_of_extracts_account(value, expected):
    assert account_of(value) == expected


def test_key_arn_builds_kms_key_arn():
    arn = key_arn("eu-west-1", "111122223333", KEY_ID)
    assert arn == f"arn:aws:kms:eu-west-1:111122223333:key/{KEY_ID}"
    assert is_key_arn(arn) and not is_alias_arn(arn)


@pytest.mark.parametrize(
    ("value", "key", "alias"),
    [(f"arn:aws:kms:us-east-1:111122223333:key/{KEY_ID}", True, False),
     ("arn:aws:kms:us-east-1:111122223333:alias/x", False, True),
     ("arn:aws:kms:us-east-1:111122223333:key/", False, False),
     ("arn:aws:iam::111122223333:key/x", False, False), (KEY_ID, False, False), ("alias/x", False, False)],
    ids=["key", "alias", "empty-id", "wrong-service", "bare-id", "bare-alias"],
)
def test_is_key_or_alias_arn_classifies(value, key, alias):
    assert is_key_arn(value) is key
    assert is_alias_arn(value) is alias


@pytest.mark.parametrize(
    ("value", "expected"),
    [(KEY_ID, True), ("mrk-1234abcd12ab34cd56ef1234567890ab", True), ("1234abcd", False),
     ("alias/x", False), (f"arn:aws:kms:us-east-1:111122223333:key/{KEY_ID}", False)],
    ids=["uuid", "mrk", "short", "alias", "arn"],
)
def test_is_bare_key_id_recognises_key_ids(value, expected):
    assert is_bare_key_id(value) is expected
