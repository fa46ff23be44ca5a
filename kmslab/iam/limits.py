"""AWS size limits for policy documents, and how each one is measured.

Responsible for the quota values and measuring a document against one. Must not: parse.

# AWS: key policy documents are at most 32 KB (32,768 bytes)
#   (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html)
# AWS: IAM quotas: user inline 2,048, group inline 5,120, role inline 10,240, managed 6,144
#   characters; "IAM doesn't count white space when calculating the size of a policy"
#   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)
# AWS: bucket policies are limited to 20 KB
#   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html)
# SIMULATION: the KMS page does not say whether white space counts; we count every UTF-8 byte of
# the document, as the API's 32,768-byte parameter limit does. Bucket policies likewise.
"""

from __future__ import annotations

from dataclasses import dataclass

from kmslab.iam.policy import PolicyKind

HARD_CAP_BYTES = 1_048_576  # read nothing bigger, whatever the limit (hostile input)

_WS_TABLE = str.maketrans("", "", " \t\n\r")


def non_whitespace_size(text: str) -> int:
    """Characters not counting white space (IAM's measure)."""
    if text.isascii():  # fast path: bytes.translate is several times faster than str.translate
        return len(text.encode("ascii").translate(None, b" \t\n\r"))
    return len(text.translate(_WS_TABLE))


@dataclass(frozen=True, slots=True)
class SizeLimit:
    name: str  # "key policy", "role inline policy", ...
    max_size: int
    counts_whitespace: bool  # False: IAM quotas ignore white space
    unit: str  # "bytes" or "characters"

    def measure(self, text: str) -> int:
        if self.counts_whitespace:
            return len(text.encode("utf-8", "surrogatepass"))
        return non_whitespace_size(text)

    def measured(self, *, utf8_bytes: int, non_whitespace: int) -> int:
        """`measure` of a text whose two sizes were counted without writing it out."""
        return utf8_bytes if self.counts_whitespace else non_whitespace

    def describe(self) -> str:
        ws = "" if self.counts_whitespace else ", not counting white space"
        return f"{self.max_size:,} {self.unit}{ws}"


KEY_POLICY_LIMIT = SizeLimit("key policy", 32_768, True, "bytes")
BUCKET_POLICY_LIMIT = SizeLimit("bucket policy", 20_480, True, "bytes")
USER_INLINE_LIMIT = SizeLimit("user inline policy", 2_048, False, "characters")
GROUP_INLINE_LIMIT = SizeLimit("group inline policy", 5_120, False, "characters")
ROLE_INLINE_LIMIT = SizeLimit("role inline policy", 10_240, False, "characters")
MANAGED_POLICY_LIMIT = SizeLimit("managed policy", 6_144, False, "characters")

_IDENTITY = {
    "user": USER_INLINE_LIMIT,
    "group": GROUP_INLINE_LIMIT,
    "role": ROLE_INLINE_LIMIT,
    "managed": MANAGED_POLICY_LIMIT,
    # the largest IAM quota: used when the attachment is unknown, so no legal policy is rejected
    "any": ROLE_INLINE_LIMIT,
}


def limit_for(kind: PolicyKind, principal_kind: str = "user") -> SizeLimit:
    """The AWS limit for a document of `kind`; for identity policies `principal_kind` is where it
    is attached: "user", "group", "role" (inline), "managed", or "any" (the largest)."""
    if kind is PolicyKind.KEY_POLICY:
        return KEY_POLICY_LIMIT
    if kind is PolicyKind.BUCKET_POLICY:
        return BUCKET_POLICY_LIMIT
    return _IDENTITY.get(principal_kind, USER_INLINE_LIMIT)


def default_limit(kind: PolicyKind) -> SizeLimit:
    """What parse applies when the caller gives no limit: never rejects a document AWS accepts."""
    return limit_for(kind, "any")
