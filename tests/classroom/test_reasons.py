"""Failing reasons: the learner's ARNs are dropped so the class's reasons aggregate."""

from __future__ import annotations

import pytest

from kmslab.classroom.reasons import failing_reason

USER = "User: arn:aws:iam::111111111111:user/bob is not authorized to perform: kms:{a} on resource: arn:aws:kms:us-east-1:222222222222:key/k"


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ({"outcome": "failure", "error_code": "AccessDeniedException",
          "error_message": USER.format(a="GenerateDataKey") + " because no identity-based policy allows the kms:GenerateDataKey action"},
         "no identity-based policy allows kms:GenerateDataKey"),
        ({"outcome": "failure", "error_code": "AccessDeniedException",
          "error_message": USER.format(a="Decrypt") + " because no resource-based policy allows the kms:Decrypt action"},
         "no resource-based policy allows kms:Decrypt"),
        ({"outcome": "failure", "error_code": "AccessDeniedException",
          "error_message": USER.format(a="Decrypt") + " with an explicit deny in a resource-based policy"},
         "explicit deny in a resource-based policy blocks kms:Decrypt"),
        ({"outcome": "failure", "error_code": "AccessDeniedException", "error_message": USER.format(a="Encrypt")},
         "not authorized to perform kms:Encrypt"),
        ({"outcome": "failure", "error_code": "NotFoundException",
          "error_message": "Key 'arn:aws:kms:us-east-1:111111111111:alias/shared' does not exist"},
         "NotFoundException: Key '\u2026' does not exist"),
        ({"outcome": "failure", "failing_step": 2, "steps": ["success", "success"]},
         "step 2 was allowed but must be denied (too permissive)"),
        ({"outcome": "invalid", "errors": ["key_policy: JSON_SYNTAX"]}, "invalid document: key_policy: JSON_SYNTAX"),
        ({"outcome": "success", "solved": False, "objectives_unmet": ["least-privilege"]},
         "objective not met: least-privilege"),
        ({"outcome": "success", "solved": True}, ""),
        ({}, ""),
    ],
    ids=["no-identity", "no-resource", "explicit-deny", "short-form", "other-error", "too-permissive",
         "invalid", "objective", "success", "empty"],
)
def test_failing_reason_normalizes_aws_messages(summary: dict[str, object], expected: str) -> None:
    assert failing_reason(summary) == expected


def test_failing_reason_is_the_same_for_different_learners() -> None:
    a = USER.format(a="GenerateDataKey") + " because no identity-based policy allows the kms:GenerateDataKey action"
    b = a.replace("user/bob", "user/alice").replace("key/k", "key/other")
    one = failing_reason({"outcome": "failure", "error_message": a})
    assert one == failing_reason({"outcome": "failure", "error_message": b})
    assert "arn:" not in one


def test_failing_reason_clips_huge_messages() -> None:
    reason = failing_reason({"outcome": "failure", "error_code": "X", "error_message": "y " * 5000})
    assert len(reason) <= 160 and reason.endswith("\u2026")
