"""One KMS request in flight, and the steps every KMS operation takes with it.

Responsible for `Req` (the caller, who they are, the operation, its parameters, and what the
request gathered: decisions, keys touched, encryption context) with its parameter checks, and
for `KMSSteps`, the steps the operations (service_ops.py, service_grants.py) share: resolving
a KeyId (key ARN or alias ARN in any account; bare key id or "alias/name" in the CALLER's
account), refusing management operations across accounts, asking the engine (through
`World.authorize_kms`) with the right action name and request context, and checking the key
state after authorization. kmslab.kms.service.KMSService builds on them.
Must not: decide access itself (only the engine does).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from kmslab.iam.arn import is_alias_arn, is_key_arn, key_arn, parse_arn
from kmslab.iam.decision import Decision
from kmslab.kms.errors import AccessDeniedException, NotFoundException, ValidationException
from kmslab.kms.keys import Alias, KmsKey, state_error
from kmslab.kms.managed import MANAGED_ALIASES
from kmslab.kms.trail import Identity
from kmslab.kms.world import World

# AWS: "Cross-account use: Yes" on each operation's API reference page, e.g.
# (https://docs.aws.amazon.com/kms/latest/APIReference/API_RevokeGrant.html); the others say No.
CROSS_ACCOUNT_OPERATIONS = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "DescribeKey",
        "CreateGrant",
        "ListGrants",
        "RetireGrant",
        "RevokeGrant",
    }
)


@dataclass(slots=True)
class Req:
    """One KMS request in flight."""

    caller: str
    who: Identity
    operation: str
    params: Mapping[str, object]
    via_service: str = ""
    source_arn: str = ""
    source_account: str = ""
    decisions: list[Decision] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # key ARNs touched, for CloudTrail resources
    encryption_context: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------ parameters
    def str_param(self, name: str, *, required: bool = False, max_len: int = 2048) -> str | None:
        value = self.params.get(name)
        if value is None:
            if required:
                raise ValidationException(f"1 validation error detected: Value null at '{camel(name)}' failed to satisfy constraint: Member must not be null")
            return None
        if not isinstance(value, str) or not value or len(value) > max_len:
            raise ValidationException(f"1 validation error detected: Value at '{camel(name)}' failed to satisfy constraint: Member must be a string of length 1 to {max_len}")
        return value

    def bytes_param(self, name: str, *, max_len: int) -> bytes:
        value = self.params.get(name)
        if not isinstance(value, (bytes, bytearray)) or not 1 <= len(value) <= max_len:
            raise ValidationException(
                f"1 validation error detected: Value at '{camel(name)}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {max_len} and greater than or equal to 1"
            )
        return bytes(value)

    def context_param(self, name: str = "EncryptionContext") -> dict[str, str]:
        value = self.params.get(name)
        if value is None:
            return {}
        if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ValidationException(f"1 validation error detected: Value at '{camel(name)}' must be a map of strings to strings")
        return dict(value)

    @property
    def caller_account(self) -> str:
        return self.who.account


def camel(name: str) -> str:
    """An AWS parameter name as CloudTrail and validation messages spell it (KeyId -> keyId)."""
    return name[:1].lower() + name[1:]


_ALIAS_RE = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")


class KMSSteps:
    """The steps KMS operations share, for the KMS of `world`."""

    def __init__(self, world: World) -> None:
        self.world = world

    def _predefined_alias(self, req: Req, name: str) -> Alias | None:
        """DescribeKey on a predefined AWS alias (alias/aws/s3, alias/aws/ebs) that has no key yet
        creates the AWS managed key in the caller's account.

        # AWS: "If you specify a predefined AWS alias (an AWS alias with no key ID), KMS associates
        # the alias with an AWS managed key and returns its KeyId and Arn in the response."
        # (https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html)
        """
        if req.operation != "DescribeKey" or name not in MANAGED_ALIASES or not req.caller_account:
            return None
        self.world.managed_key(req.caller_account, name)
        return self.world.aliases.get((req.caller_account, name))

    def resolve(self, req: Req, key_id: str) -> KmsKey:
        """The key `key_id` names, as AWS resolves it for this caller and operation."""
        w = self.world
        key: KmsKey | None
        if is_key_arn(key_id):
            key = w.keys.get(key_id)
            if key is None:
                raise NotFoundException(f"Key '{key_id}' does not exist")
        elif is_alias_arn(key_id):
            arn = parse_arn(key_id)
            assert arn is not None
            alias = w.aliases.get((arn.account, arn.resource))
            if alias is None and arn.account == req.caller_account and arn.region == w.region:
                alias = self._predefined_alias(req, arn.resource)
            if alias is None or arn.region != w.region:
                raise NotFoundException(f"Alias {key_id} is not found.")
            key = w.key_by_id(arn.account, alias.target_key_id)
        elif key_id.startswith("alias/"):
            # AWS: an alias name is resolved in the caller's account
            # (https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html)
            alias = w.aliases.get((req.caller_account, key_id)) or self._predefined_alias(req, key_id)
            if alias is None:
                raise NotFoundException(f"Alias arn:{w.partition}:kms:{w.region}:{req.caller_account}:{key_id} is not found.")
            key = w.key_by_id(req.caller_account, alias.target_key_id)
        elif ":" not in key_id and "/" not in key_id:
            # AWS: a bare key id is resolved in the caller's account
            # (https://docs.aws.amazon.com/kms/latest/developerguide/find-cmk-id-arn.html)
            key = w.key_by_id(req.caller_account, key_id)
            if key is None:
                raise NotFoundException(f"Key '{key_arn(w.region, req.caller_account or '-', key_id, w.partition)}' does not exist")
        else:
            raise NotFoundException(f"Invalid keyId '{key_id}'")
        if key is None:
            raise NotFoundException(f"Key '{key_id}' does not exist")
        if key.arn not in req.keys:
            req.keys.append(key.arn)
        if key.account != req.caller_account and req.operation not in CROSS_ACCOUNT_OPERATIONS:
            # AWS: "Cross-account use: No" for management operations.
            # SIMULATION: the exact error AWS returns for a management operation on another
            # account's key ARN is not documented; we return NotFoundException.
            raise NotFoundException(
                f"Key '{key.arn}' does not exist in account {req.caller_account or '(none)'}: "
                f"{req.operation} cannot be used on a key in another account"
            )
        return key

    def key_param(self, req: Req, name: str = "KeyId") -> KmsKey:
        value = req.str_param(name, required=True)
        assert value is not None
        return self.resolve(req, value)

    def authorize(
        self, req: Req, action: str, key: KmsKey, *, context: Mapping[str, str | tuple[str, ...]] | None = None,
        encryption_context: Mapping[str, str] | None = None,
    ) -> Decision:
        """Ask the engine; raise AccessDeniedException (carrying the decision) when denied."""
        ctx: dict[str, str | tuple[str, ...]] = dict(context or {})
        if req.via_service:
            ctx["kms:ViaService"] = req.via_service
        if req.source_arn:
            ctx["aws:SourceArn"] = req.source_arn
        if req.source_account:
            ctx["aws:SourceAccount"] = req.source_account
        decision = self.world.authorize_kms(req.caller, action, key, context=ctx, encryption_context=encryption_context)
        req.decisions.append(decision)
        if not decision.allowed:
            msg = decision.message or f"User: {req.caller} is not authorized to perform: {action} on resource: {key.arn}"
            raise AccessDeniedException(msg, decision)
        return decision

    @staticmethod
    def check_state(key: KmsKey, operation: str) -> None:
        # SIMULATION: we authorize before checking the key state, so a caller without
        # permission learns nothing about the key's state (AccessDenied comes first).
        err = state_error(key, operation)
        if err is not None:
            raise err


def valid_alias_name(name: str) -> bool:
    return bool(_ALIAS_RE.match(name))
