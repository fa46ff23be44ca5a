"""The policy value: what `parse` produces and every later stage reads.

Responsible for the typed, immutable shape of an IAM-style policy document (key policies,
identity policies, bucket policies) with the source position of every element.
Must not: parse JSON, validate, evaluate, or import Django or `cryptography`.

"String or list" is normalised once, at the parse boundary: every multi-valued element is a
tuple here. Condition values are kept as strings (JSON booleans become "true"/"false",
numbers their JSON text), as AWS compares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kmslab.iam.fastinit import fast_init


class PolicyKind(StrEnum):
    """Which kind of document a policy is; it changes which elements are allowed."""

    KEY_POLICY = "key_policy"  # resource-based, on a KMS key; Resource "*" means this key
    IDENTITY = "identity"  # identity-based, attached to an IAM user/role/group; no Principal
    BUCKET_POLICY = "bucket_policy"  # resource-based, on an S3 bucket


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


class PrincipalType(StrEnum):
    AWS = "AWS"
    SERVICE = "Service"
    FEDERATED = "Federated"
    CANONICAL_USER = "CanonicalUser"


# Parsing a 30 KB document builds about two thousand of these values: hence `fast_init` on each.


@fast_init
@dataclass(frozen=True, slots=True)
class Span:
    """Where an element stands in the source text.

    `pointer` is an RFC 6901 JSON pointer (`/Statement/0/Action/1`); `line` and `column` are
    1-based and point at the first character of the element's value; `end_line`/`end_column`
    at the character just after it (for underlining).
    """

    pointer: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0


NO_SPAN = Span("")


@fast_init
@dataclass(frozen=True, slots=True)
class Value:
    """One string value with its position (an action, a resource, a principal ARN, ...)."""

    text: str
    span: Span = NO_SPAN


@fast_init
@dataclass(frozen=True, slots=True)
class PrincipalValue:
    """One entry of a Principal block: `{"AWS": "arn:aws:iam::111122223333:root"}` gives
    `PrincipalValue(PrincipalType.AWS, Value("arn:aws:iam::111122223333:root"))`."""

    type: PrincipalType
    value: Value


@fast_init
@dataclass(frozen=True, slots=True)
class PrincipalBlock:
    """`Principal` or `NotPrincipal`.

    `wildcard` is True for the bare string `"*"` (everyone, including anonymous). `{"AWS": "*"}`
    is not `wildcard`; it is an entry with type AWS and text "*" (every AWS principal).
    """

    negated: bool  # NotPrincipal
    wildcard: bool
    entries: tuple[PrincipalValue, ...]
    span: Span = NO_SPAN


@fast_init
@dataclass(frozen=True, slots=True)
class ValueBlock:
    """`Action`/`NotAction` or `Resource`/`NotResource`: a tuple of values, possibly negated."""

    negated: bool
    values: tuple[Value, ...]
    span: Span = NO_SPAN


@fast_init
@dataclass(frozen=True, slots=True)
class ConditionClause:
    """One operator/key pair of a Condition block, e.g.
    `"StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com"]}`.

    `operator` is kept as written (`ForAnyValue:StringLikeIfExists`); the condition module
    splits it into set prefix, base operator and IfExists. `key` is kept as written; keys are
    compared case-insensitively.
    """

    operator: str
    key: str
    values: tuple[Value, ...]
    span: Span = NO_SPAN  # the clause's key inside the operator object
    operator_span: Span = NO_SPAN


@fast_init
@dataclass(frozen=True, slots=True)
class Statement:
    index: int  # position in the Statement list (0 for a single-object Statement)
    sid: str | None
    effect: Effect
    principal: PrincipalBlock | None
    action: ValueBlock | None
    resource: ValueBlock | None
    conditions: tuple[ConditionClause, ...] = ()
    span: Span = NO_SPAN
    effect_span: Span = NO_SPAN
    condition_span: Span | None = None

    @property
    def label(self) -> str:
        """How a learner names this statement: its Sid, or its position."""
        return self.sid if self.sid else f"statement {self.index + 1}"


@fast_init
@dataclass(frozen=True, slots=True)
class Policy:
    kind: PolicyKind
    version: str | None
    statements: tuple[Statement, ...]
    id: str | None = None
    name: str = ""  # a display name given by the caller ("bob's IAM policy"); not from JSON
    version_span: Span = NO_SPAN
    size: int = 0  # characters, not counting white space (AWS's measure for IAM quotas)
    extra: tuple[str, ...] = field(default=())  # unknown top-level element names, for validate
