"""Stage 1 of the pipeline, the spec: what a scenario file says, as frozen values.

Responsible for the values only (accounts, principals, keys, buckets, trails, documents, steps,
objectives, hints, the reference solution) and `ScenarioError`. Reading a file or a stored dict
into these values is kmslab.lab.load. Must not: import Django, read files, or run anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from kmslab.iam.decision import Gate
from kmslab.iam.policy import PolicyKind

SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# The objective kinds a scenario may name (kmslab.lab.objectives has one check for each).
OBJECTIVE_KINDS = ("steps", "no-kms-star", "no-public-principal", "exact-key-arn", "needed-actions",
                   "explicit-deny-effective", "customer-managed-key", "grant-constrained",
                   "service-principal-conditioned", "iam-policy-counted")


class ScenarioError(Exception):
    """A scenario file or dict is not a usable scenario. The message is one line."""


class DocumentKind(StrEnum):
    """What a document is. The first three are IAM policies (linted by the engine)."""

    KEY_POLICY = "key_policy"
    IDENTITY = "identity"
    BUCKET_POLICY = "bucket_policy"
    BUCKET_ENCRYPTION = "bucket_encryption"  # S3 ServerSideEncryptionConfiguration JSON
    GRANT_REQUEST = "grant_request"  # the parameters of a CreateGrant call, as JSON

    @property
    def policy_kind(self) -> PolicyKind | None:
        try:
            return PolicyKind(self.value)
        except ValueError:
            return None


class Expect(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    label: str  # "Account A"
    role: str = ""  # "key and bucket owner"


@dataclass(frozen=True, slots=True)
class Principal:
    """Someone who makes calls. `name` is how the file refers to it (`bob`)."""

    name: str
    account: str
    type: str  # "user" | "role" | "root" | "service"
    arn: str  # IAM ARN (user/role/root) or the service name (cloudtrail.amazonaws.com)
    label: str = ""
    session: str = ""  # roles: calls are made as arn:aws:sts::ACCT:assumed-role/ROLE/SESSION
    policies: tuple[str, ...] = ()  # names of identity documents attached to it

    @property
    def caller_arn(self) -> str:
        if self.type == "role" and self.session:
            role = self.arn.rsplit("/", 1)[-1]
            return f"arn:aws:sts::{self.account}:assumed-role/{role}/{self.session}"
        return self.arn


@dataclass(frozen=True, slots=True)
class Key:
    """A KMS key. `managed` is "" for a customer managed key, or "aws/s3" / "aws/ebs"."""

    name: str
    account: str
    key_id: str
    arn: str
    policy: str = ""  # document name of its key policy (customer managed keys)
    alias: str = ""
    managed: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    account: str
    policy: str = ""  # document name of its bucket policy
    encryption: str = ""  # document name of its default-encryption configuration
    default_key: str = ""  # key name, "aws/s3", or "" (SSE-S3): used when `encryption` is ""
    bucket_key: bool = False


@dataclass(frozen=True, slots=True)
class Trail:
    """A CloudTrail trail delivering to a bucket (the centralized-logging scenario)."""

    name: str
    account: str
    bucket: str
    key: str  # key name used for SSE-KMS of the log files
    arn: str


@dataclass(frozen=True, slots=True)
class Document:
    name: str  # form field name: "key_policy", "iam_policy", "bucket_policy", ...
    title: str  # "Account A key policy" (the editor's accessible name)
    account: str
    kind: DocumentKind
    text: str  # starting text
    editable: bool = True
    description: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """One call a principal makes. `params` are AWS-shaped; a string value `@name` is replaced
    by the JSON of document `name`, `$grant_token` / `$grant_id` by the last grant's."""

    title: str
    caller: str  # principal name
    service: str  # "s3" | "kms" | "ec2" | "cloudtrail"
    operation: str  # "PutObject", "Decrypt", "CopySnapshot", "DeliverLogs", ...
    params: Mapping[str, object]
    expect: Expect = Expect.SUCCESS
    expect_error: str = ""  # e.g. "AccessDeniedException" when expect is failure
    why: str = ""  # shown beside an expected failure: why it must fail


@dataclass(frozen=True, slots=True)
class ObjectiveSpec:
    id: str
    kind: str  # one of OBJECTIVE_KINDS
    title: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExpectedFailure:
    """How the starting documents fail: the golden test checks it."""

    step: int  # 1-based
    gate: Gate | None  # the gate to blame, None when no gate is (e.g. a missing snapshot)
    error: str  # AWS error code


@dataclass(frozen=True, slots=True)
class ScenarioSpec:
    slug: str
    title: str
    summary: str
    narrative: str  # Markdown
    level: str  # "beginner" | "intermediate" | "advanced"
    order: int
    region: str
    lesson: str  # "/lesson/<section>/"
    closing: str  # Markdown
    accounts: tuple[Account, ...]
    principals: tuple[Principal, ...]
    keys: tuple[Key, ...]
    buckets: tuple[Bucket, ...]
    trails: tuple[Trail, ...]
    documents: tuple[Document, ...]
    steps: tuple[Step, ...]
    objectives: tuple[ObjectiveSpec, ...]
    hints: tuple[str, ...]
    solution: Mapping[str, str]  # editable document name -> reference text
    start_failure: ExpectedFailure
    notes: tuple[str, ...] = ()  # "simulated" notes
    source: str = ""  # the file it came from
    # actions a learner may allow although no step uses them (e.g. what an AWS guide lists)
    tolerated_actions: tuple[str, ...] = ()
    # A hash of the data it was loaded from (kmslab.lab.load sets it): what the lab's caches of
    # values derived from a spec are keyed by. Not compared, not copied by dataclasses.replace.
    fingerprint: str = field(default="", init=False, repr=False, compare=False)

    @property
    def editable(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.editable)

    @property
    def readonly(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if not d.editable)

    def document(self, name: str) -> Document | None:
        return next((d for d in self.documents if d.name == name), None)

    def principal(self, name: str) -> Principal | None:
        return next((p for p in self.principals if p.name == name), None)

    def key(self, name: str) -> Key | None:
        return next((k for k in self.keys if k.name == name), None)

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def account_label(self, account_id: str) -> str:
        acct = self.account(account_id)
        return acct.label if acct else account_id

    def starting_documents(self) -> dict[str, str]:
        return {d.name: d.text for d in self.editable}
