"""Stage 4 of the pipeline, build: a simulated world from a spec and its linted documents.

Responsible for translating a ScenarioSpec plus the linted documents into world calls
(accounts, principals with their identity policies, keys with their key policies and fixed
readable key ids, buckets, trails), and for the `Lab` that holds the world while steps run in it
(kmslab.lab.steps): who is who, and what earlier steps returned. A fresh world per lab.
Must not: import Django or decide access: every verdict comes from the world's engine calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kmslab.aws.world import World
from kmslab.iam.arn import key_arn
from kmslab.iam.policy import Policy
from kmslab.kms.keys import KmsKey
from kmslab.lab.lint import LintedDoc
from kmslab.lab.places import DocIndex
from kmslab.lab.spec import Key, ScenarioSpec


@dataclass
class Lab:
    """A world built from a spec and its documents, and what its steps have left so far."""

    spec: ScenarioSpec
    docs: Mapping[str, LintedDoc]
    world: World
    index: DocIndex
    texts: dict[str, str]  # document name -> the text that was run
    callers: dict[str, str] = field(default_factory=dict)  # principal name -> caller ARN
    labels: dict[str, str] = field(default_factory=dict)  # caller ARN -> label
    outputs: list[Mapping[str, object] | None] = field(default_factory=list)  # each step's response
    plaintexts: dict[bytes, bytes] = field(default_factory=dict)  # ciphertext blob -> plaintext
    bodies: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (bucket, key) -> body



def _policy(docs: Mapping[str, LintedDoc], name: str) -> Policy:
    policy = docs[name].policy
    if policy is None:  # lint found no error yet gave no policy: never expected, refuse clearly
        raise ValueError(f"document `{name}` could not be parsed")
    return policy


def build_world(spec: ScenarioSpec, docs: Mapping[str, LintedDoc], *, stable_ids: bool = True) -> Lab:
    """The world of `spec` with these documents (every document of the spec, linted, none with
    an error: kmslab.lab.lint.lint_documents gives them). `stable_ids`: draw every id from a
    sequence seeded with the scenario, so each run shows the same ids; a world that outlives a
    request (the AWS wire endpoint's) passes False, or new ids would repeat ones it has stored."""
    world = World(region=spec.region, id_seed=spec.slug if stable_ids else None)
    lab = Lab(spec, docs, world, DocIndex.build(spec, docs), {n: d.result.text for n, d in docs.items()})
    for acct in spec.accounts:
        world.add_account(acct.id, acct.label)
        # EC2's infrastructure role (the grantee of EBS's grants) acts in this account: named for what it is
        lab.labels[f"arn:aws:sts::{acct.id}:assumed-role/aws:ec2-infrastructure"] = f"EC2 ({spec.account_label(acct.id)})"
    for p in spec.principals:
        policies = [_policy(docs, n) for n in p.policies]
        name = p.arn.rsplit("/", 1)[-1]
        if p.type == "user":
            arn = world.add_user(p.account, name, policies)
        elif p.type == "role":
            arn = world.add_role(p.account, name, policies)
            if p.session:
                arn = world.assume_role(arn, p.session)
        else:  # root is created with its account; a service principal calls as itself
            arn = p.arn
        lab.callers[p.name] = arn
        label = p.label or f"{name} ({spec.account_label(p.account)})"
        lab.labels[arn] = lab.labels[p.arn] = label
    for k in spec.keys:
        _create_key(lab, k)
    for b in spec.buckets:
        _create_bucket(lab, b.name)
    for t in spec.trails:
        key = spec.key(t.key)
        world.cloudtrail.create_trail(t.account, t.name, bucket=t.bucket, kms_key_id=key.arn if key else t.key)
    return lab


def _create_key(lab: Lab, k: Key) -> KmsKey:
    w = lab.world
    if k.managed:
        key = w.managed_key(k.account, f"alias/{k.managed}")
    else:
        text = lab.texts[k.policy]
        # The linted Policy goes in as is (the world accepts a Policy wherever it parses text), so
        # the key policy is not parsed a second time; the key keeps the learner's text.
        policy: object = _policy(lab.docs, k.policy)
        key = w.create_key(k.account, policy, description=k.description)  # type: ignore[arg-type]
        key.policy_text = text
    # SIMULATION: scenario keys get fixed, readable key ids (so learners can type the key ARN);
    # the world draws random ids, so the key is re-filed under the scenario's id here.
    del w.keys[key.arn]
    key.key_id = k.key_id
    key.arn = key_arn(w.region, k.account, k.key_id, w.partition)
    w.keys[key.arn] = key
    if k.managed:
        w.add_alias(k.account, f"alias/{k.managed}", key)
    elif k.alias:
        w.add_alias(k.account, k.alias, key)
    return key


def _create_bucket(lab: Lab, name: str) -> None:
    spec, w = lab.spec, lab.world
    b = next(x for x in spec.buckets if x.name == name)
    sse, kms_key_id, bucket_key = "aws:kms", "", b.bucket_key
    if b.encryption:
        data = lab.docs[b.encryption].data
        rule = data["Rules"][0] if isinstance(data, dict) else {}  # shape checked by lint
        default = rule.get("ApplyServerSideEncryptionByDefault", {})
        # SIMULATION: aws:kms:dsse (dual-layer SSE-KMS) is simulated as single-layer aws:kms.
        sse = "AES256" if default.get("SSEAlgorithm") == "AES256" else "aws:kms"
        kms_key_id = str(default.get("KMSMasterKeyID") or "")
        bucket_key = bool(rule.get("BucketKeyEnabled", False))
    elif b.default_key and b.default_key != "aws/s3":
        key = spec.key(b.default_key)
        kms_key_id = key.arn if key else ""
    bucket = w.s3.create_bucket(b.account, name, default_encryption=sse, kms_key_id=kms_key_id, bucket_key=bucket_key)
    if b.policy:
        bucket.policy = _policy(lab.docs, b.policy)  # the linted Policy: no second parse
        bucket.policy_text = lab.texts[b.policy]
