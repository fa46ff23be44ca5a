"""The simulated multi-account world KMS lives in.

Responsible for the state a scenario builds in code: accounts, IAM principals with their
identity policies, KMS keys (customer managed and the AWS managed `aws/s3` / `aws/ebs`),
aliases, grants, the CloudTrail log, and the world's randomness and clock. It builds no
service: the KMS service (kmslab.kms.service) and the services that call it (kmslab.aws) are
given a world; kmslab.aws.world wires them all together.
Every access decision goes through `World.authorize_kms` or `World.authorize_resource`, which
call the one engine (kmslab.kms.authorize / kmslab.iam.authorize). Nothing else decides.

    world = World(region="us-east-1", seed=7)         # seed: stable ids and key material
    world.add_account("222222222222", "Account A")
    bob = world.add_user("111111111111", "bob", policies=[iam_policy_text])
    key = world.create_key("222222222222", policy_text=key_policy_text, alias="alias/reports")
    KMSService(world).call(bob, "GenerateDataKey", {"KeyId": key.arn, "KeySpec": "AES_256"})

    again = World(region="us-east-1", state=world.state)    # a world from stored state

Must not: import Django; keep state in module globals (a world is rebuilt per run).
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from kmslab.iam import authorize as iam_authorize
from kmslab.iam.arn import is_account_id, key_arn
from kmslab.iam.decision import Decision, Gate
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import Policy, PolicyKind
from kmslab.kms import authorize as kms_authorize
from kmslab.kms.errors import MalformedPolicyDocumentException, ValidationException
from kmslab.kms.grants import Grant
from kmslab.kms.keys import Alias, KeyManager, KmsKey
from kmslab.kms.managed import MANAGED_ALIASES, default_key_policy, managed_key_policy
from kmslab.kms.trail import Identity, TrailEvent

PolicySource = str | Policy
START = datetime(2026, 1, 5, 9, 0, 0, tzinfo=timezone.utc)


@dataclass(slots=True)
class Account:
    id: str
    label: str = ""


@dataclass(slots=True)
class Principal:
    arn: str
    account: str
    kind: str  # "user", "role", "root"
    name: str
    policies: list[Policy] = field(default_factory=list)


@dataclass(slots=True)
class WorldState:
    """Everything a world holds. Give one to `World` to build a world from stored state: the
    world keeps these containers and updates them in place."""

    accounts: dict[str, Account] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)  # by ARN
    keys: dict[str, KmsKey] = field(default_factory=dict)  # by key ARN
    aliases: dict[tuple[str, str], Alias] = field(default_factory=dict)  # (account, "alias/name")
    grants: dict[str, Grant] = field(default_factory=dict)  # by grant id
    trail_log: list[TrailEvent] = field(default_factory=list)


def parse_or_raise(text: PolicySource, kind: PolicyKind, name: str) -> Policy:
    """A Policy from text (via the engine's parser) or as given; error findings raise
    MalformedPolicyDocumentException carrying them."""
    if isinstance(text, Policy):
        return text
    result = parse_policy(text, kind, name=name)
    errors = [f for f in result.findings if f.is_error]
    if result.policy is None or errors:
        first = errors[0].message if errors else "policy could not be parsed"
        raise MalformedPolicyDocumentException(f"{name or 'policy'}: {first}", result.findings)
    return result.policy


class World:
    def __init__(self, region: str = "us-east-1", *, seed: int | None = None, partition: str = "aws",
                 state: WorldState | None = None, clock: Callable[[], datetime] | None = None) -> None:
        """`seed` makes ids and key material repeatable (tests, scenario runs); `state` is what
        the world starts from (empty by default); `clock` replaces the deterministic clock."""
        self.region = region
        self.partition = partition
        self.seed = seed
        self._rng: random.Random | None = random.Random(seed) if seed is not None else None
        self.state = WorldState() if state is None else state
        self.accounts = self.state.accounts
        self.principals = self.state.principals
        self.keys = self.state.keys
        self.aliases = self.state.aliases
        self.grants = self.state.grants
        self.trail_log = self.state.trail_log
        self._clock = clock
        self._tick = 0

    # ------------------------------------------------------------ randomness and time
    def random_bytes(self, n: int) -> bytes:
        """Key material and data keys: os.urandom, or the seeded generator for tests."""
        return self._rng.randbytes(n) if self._rng is not None else os.urandom(n)

    def new_uuid(self) -> str:
        if self._rng is not None:
            return str(uuid.UUID(bytes=self._rng.randbytes(16), version=4))
        return str(uuid.uuid4())

    def new_hex(self, n: int) -> str:
        return self.random_bytes(n).hex()

    def now(self) -> datetime:
        """The injected clock, else a deterministic one: one second per event from a fixed start."""
        if self._clock is not None:
            return self._clock()
        self._tick += 1
        return START + timedelta(seconds=self._tick)

    # ------------------------------------------------------------ accounts and principals
    def add_account(self, account_id: str, label: str = "") -> Account:
        if not is_account_id(account_id):
            raise ValidationException(f"account id `{account_id}` must be 12 digits")
        acct = self.accounts.setdefault(account_id, Account(account_id, label))
        if label:
            acct.label = label
        root = f"arn:{self.partition}:iam::{account_id}:root"
        self.principals.setdefault(root, Principal(root, account_id, "root", "root"))
        return acct

    def _add_principal(self, account: str, kind: str, name: str, policies: Sequence[PolicySource]) -> str:
        self.add_account(account)
        arn = f"arn:{self.partition}:iam::{account}:{kind}/{name}"
        parsed = [parse_or_raise(p, PolicyKind.IDENTITY, f"{name}'s IAM policy {i + 1}" if len(policies) > 1 else f"{name}'s IAM policy") for i, p in enumerate(policies)]
        self.principals[arn] = Principal(arn, account, kind, name, parsed)
        return arn

    def add_user(self, account: str, name: str, policies: Sequence[PolicySource] = ()) -> str:
        """Add an IAM user; returns its ARN."""
        return self._add_principal(account, "user", name, policies)

    def add_role(self, account: str, name: str, policies: Sequence[PolicySource] = ()) -> str:
        """Add an IAM role; returns its ARN. Call as the role with `assume_role`."""
        return self._add_principal(account, "role", name, policies)

    def assume_role(self, role_arn: str, session: str = "session") -> str:
        """The assumed-role session ARN of `role_arn` (arn:aws:sts::ACCT:assumed-role/ROLE/SESSION)."""
        role = self.principals.get(role_arn)
        if role is None or role.kind != "role":
            raise ValidationException(f"role `{role_arn}` does not exist")
        return f"arn:{self.partition}:sts::{role.account}:assumed-role/{role.name}/{session}"

    def set_identity_policies(self, principal_arn: str, policies: Sequence[PolicySource]) -> None:
        p = self.principals[principal_arn]
        p.policies = [parse_or_raise(x, PolicyKind.IDENTITY, f"{p.name}'s IAM policy") for x in policies]

    def identity_of(self, caller: str) -> Identity:
        """Who `caller` is, for CloudTrail and for identity-policy lookup. Unknown callers get
        ValidationException (# SIMULATION: AWS fails to authenticate them instead)."""
        if not isinstance(caller, str) or not caller or len(caller) > 2048:
            raise ValidationException("the caller must be a principal ARN")
        if caller.endswith(".amazonaws.com") and ":" not in caller:
            return Identity(caller, "", "service", caller)
        if caller.startswith(f"arn:{self.partition}:sts::") and ":assumed-role/" in caller:
            acct = caller.split(":")[4]
            role_name, _, session = caller.split(":assumed-role/", 1)[1].partition("/")
            role_arn = f"arn:{self.partition}:iam::{acct}:role/{role_name}"
            if role_arn in self.principals and session:
                return Identity(caller, acct, "assumed-role", session, role_arn)
        p = self.principals.get(caller)
        if p is None:
            raise ValidationException(f"unknown principal `{caller}`: add it to the world first")
        return Identity(p.arn, p.account, p.kind, p.name)

    def identity_policies(self, caller: str) -> tuple[Policy, ...]:
        who = self.identity_of(caller)
        arn = who.role_arn if who.kind == "assumed-role" else who.arn
        p = self.principals.get(arn)
        return tuple(p.policies) if p is not None else ()

    # ------------------------------------------------------------ keys
    def _new_key(self, owner: str, policy_text: str, manager: KeyManager, description: str) -> KmsKey:
        self.add_account(owner)
        key_id = self.new_uuid()
        arn = key_arn(self.region, owner, key_id, self.partition)
        policy = parse_or_raise(policy_text, PolicyKind.KEY_POLICY, f"Key policy of key {key_id}")
        key = KmsKey(
            key_id, arn, owner, self.region, policy_text, policy, self.now(), manager, description,
            material=self.random_bytes(32),
        )
        self.keys[arn] = key
        return key

    def create_key(
        self, owner: str, policy_text: str | None = None, *, alias: str | None = None, description: str = ""
    ) -> KmsKey:
        """Scenario set-up: a customer managed key (no authorization, no trail event)."""
        key = self._new_key(owner, policy_text or default_key_policy(owner), KeyManager.CUSTOMER, description)
        if alias:
            self.add_alias(owner, alias, key)
        return key

    def add_alias(self, account: str, name: str, key: KmsKey) -> Alias:
        alias = Alias(name, f"arn:{self.partition}:kms:{self.region}:{account}:{name}", account, key.key_id)
        self.aliases[(account, name)] = alias
        return alias

    def managed_key(self, account: str, alias: str) -> KmsKey:
        """The AWS managed key `alias/aws/s3` or `alias/aws/ebs` of `account`, created on first use.

        # AWS: a service creates its AWS managed key in your account the first time you use it
        # (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key)
        """
        if alias not in MANAGED_ALIASES:
            raise ValidationException(f"`{alias}` is not an AWS managed key alias")
        found = self.aliases.get((account, alias))
        if found is not None:
            return self.keys[key_arn(self.region, account, found.target_key_id, self.partition)]
        key = self._new_key(
            account, managed_key_policy(alias, account, self.region), KeyManager.AWS,
            f"Default key that protects my {alias.rsplit('/', 1)[-1].upper()} data when no other key is defined",
        )
        self.add_alias(account, alias, key)
        return key

    def key_by_id(self, account: str, key_id: str) -> KmsKey | None:
        return self.keys.get(key_arn(self.region, account, key_id, self.partition))

    def grants_for(self, key: KmsKey) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants.values() if g.key_arn == key.arn)

    # ------------------------------------------------------------ the one door to the engine
    def authorize_kms(
        self,
        caller: str,
        action: str,
        key: KmsKey,
        *,
        context: Mapping[str, str | Sequence[str]] | None = None,
        encryption_context: Mapping[str, str] | None = None,
        key_policy: Policy | None = None,
    ) -> Decision:
        """Ask the engine whether `caller` may do `action` (e.g. "kms:Decrypt") on `key`.

        `key_policy` replaces the key's own policy (the lockout safety check asks about a
        policy before it is attached)."""
        try:
            return kms_authorize.authorize_kms(
                caller,
                action,
                key.arn,
                key_policy=key_policy if key_policy is not None else key.policy,
                identity_policies=self.identity_policies(caller),
                grants=self.grants_for(key),
                context=_over_tls(context),
                encryption_context=encryption_context,
            )
        except ValueError as exc:  # the engine's InvalidCallerError / KeyArnError
            raise ValidationException(str(exc)) from exc

    def authorize_resource(
        self,
        caller: str,
        action: str,
        resource: str,
        resource_account: str,
        *,
        resource_policy: Policy | None,
        gate: Gate = Gate.BUCKET_POLICY,
        context: Mapping[str, str | Sequence[str]] | None = None,
    ) -> Decision:
        """Ask the engine about a non-KMS resource (an S3 bucket or object, `*` for CreateKey)."""
        try:
            return iam_authorize.authorize(
                caller,
                action,
                resource,
                resource_account,
                resource_policy=resource_policy,
                identity_policies=self.identity_policies(caller),
                resource_gate=gate,
                context=_over_tls(context),
            )
        except ValueError as exc:  # the engine's InvalidCallerError
            raise ValidationException(str(exc)) from exc

    # ------------------------------------------------------------ CloudTrail
    def log(self, events: Sequence[TrailEvent]) -> None:
        self.trail_log.extend(events)

    def trail_for(self, account: str) -> list[Mapping[str, object]]:
        """Every CloudTrail record `account`'s trail received, oldest first."""
        return [e.record for e in self.trail_log if e.recipient == account]


def _over_tls(context: Mapping[str, str | Sequence[str]] | None) -> dict[str, str | Sequence[str]]:
    """Every request in this world reaches AWS over HTTPS, as the AWS SDKs and services send it.

    # AWS: aws:SecureTransport is a global key present in every request context, "true" when the
    # request was sent over TLS (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-securetransport)
    """
    return {"aws:SecureTransport": "true", **(context or {})}
