"""KMS operations on keys, aliases and data: CreateKey ... CancelKeyDeletion, Encrypt ... ReEncrypt.

Responsible for each operation's parameters, order of checks and AWS-shaped response, using the
shared steps of service.py (resolve -> authorize -> key state). Grant operations live in
service_grants.py.
Must not: decide access (every decision comes from the engine via KMSSteps.authorize).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from kmslab.iam.decision import Gate
from kmslab.iam.policy import Policy, PolicyKind
from kmslab.kms import ciphertext
from kmslab.kms.crypto import CryptoError
from kmslab.kms.errors import (
    AccessDeniedException,
    AlreadyExistsException,
    IncorrectKeyException,
    InvalidAliasNameException,
    InvalidCiphertextException,
    KMSInvalidStateException,
    MalformedPolicyDocumentException,
    NotFoundException,
    ValidationException,
)
from kmslab.kms.keys import KeyManager, KeyState, KmsKey
from kmslab.kms.managed import default_key_policy
from kmslab.kms.request import KMSSteps, Req, valid_alias_name
from kmslab.kms.world import parse_or_raise


Response = dict[str, object]
MAX_PLAINTEXT = 4096  # AWS: Encrypt takes at most 4,096 bytes (https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html)
_KEY_SPECS = {"AES_256": 32, "AES_128": 16}
_BAD_CIPHERTEXT = "The ciphertext is invalid, was altered, or was encrypted under a different encryption context."


def _algorithm(req: Req) -> None:
    for name in ("EncryptionAlgorithm", "SourceEncryptionAlgorithm", "DestinationEncryptionAlgorithm"):
        alg = req.params.get(name)
        if alg is not None and alg != "SYMMETRIC_DEFAULT":
            raise ValidationException(f"`{alg}` is not valid for a symmetric encryption KMS key; use SYMMETRIC_DEFAULT")


def create_key(svc: KMSSteps, req: Req) -> Response:
    w = svc.world
    account = req.caller_account
    if not account:
        raise ValidationException("a service principal cannot create keys")
    spec = req.params.get("KeySpec", req.params.get("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"))
    usage = req.params.get("KeyUsage", "ENCRYPT_DECRYPT")
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        # SIMULATION: KMS Lab has symmetric encryption keys only.
        raise ValidationException("KMS Lab supports only KeySpec SYMMETRIC_DEFAULT with KeyUsage ENCRYPT_DECRYPT")
    policy_text = req.str_param("Policy", max_len=32768) or default_key_policy(account)
    description = req.str_param("Description", max_len=8192) or ""
    # AWS: kms:CreateKey is authorized by IAM policies only; there is no key yet.
    decision = w.authorize_resource(req.caller, "kms:CreateKey", "*", account, resource_policy=None, gate=Gate.KEY_POLICY)
    req.decisions.append(decision)
    if not decision.allowed:
        raise AccessDeniedException(decision.message or f"User: {req.caller} is not authorized to perform: kms:CreateKey", decision)
    parse_or_raise(policy_text, PolicyKind.KEY_POLICY, "Key policy")  # Malformed before creating anything
    key = w.create_key(account, policy_text, description=description)
    try:
        _lockout_check(svc, req, key, key.policy)
    except MalformedPolicyDocumentException:
        del w.keys[key.arn]
        raise
    req.keys.append(key.arn)
    return {"KeyMetadata": key.metadata()}


def _lockout_check(svc: KMSSteps, req: Req, key: KmsKey, policy: Policy) -> None:
    """AWS: unless BypassPolicyLockoutSafetyCheck is true, the caller must be able to
    PutKeyPolicy under the new policy (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html).
    The engine answers, with the new policy in place of the key's."""
    if req.params.get("BypassPolicyLockoutSafetyCheck") is True:
        return
    decision = svc.world.authorize_kms(req.caller, "kms:PutKeyPolicy", key, key_policy=policy)
    req.decisions.append(decision)
    if not decision.allowed:
        raise MalformedPolicyDocumentException(
            "The new key policy will not allow you to update the key policy in the future."
        )


def describe_key(svc: KMSSteps, req: Req) -> Response:
    key = svc.key_param(req)
    svc.authorize(req, "kms:DescribeKey", key)
    return {"KeyMetadata": key.metadata()}


def _policy_name(req: Req) -> None:
    name = req.params.get("PolicyName", "default")
    if name != "default":
        raise NotFoundException(f"Policy '{name}' does not exist; the only key policy name is `default`")


def get_key_policy(svc: KMSSteps, req: Req) -> Response:
    key = svc.key_param(req)
    _policy_name(req)
    svc.authorize(req, "kms:GetKeyPolicy", key)
    return {"Policy": key.policy_text, "PolicyName": "default"}


def put_key_policy(svc: KMSSteps, req: Req) -> Response:
    key = svc.key_param(req)
    _policy_name(req)
    text = req.str_param("Policy", required=True, max_len=32768)
    assert text is not None
    # AWS managed keys' policies allow nobody kms:PutKeyPolicy, so the engine denies it.
    svc.authorize(req, "kms:PutKeyPolicy", key)
    if key.manager is KeyManager.AWS:
        # Unreachable with the real managed policy; kept so no edited world can change one.
        raise AccessDeniedException(f"{key.arn} is an AWS managed key; its key policy cannot be changed")
    policy = parse_or_raise(text, PolicyKind.KEY_POLICY, f"Key policy of key {key.key_id}")
    _lockout_check(svc, req, key, policy)
    key.policy = policy
    key.policy_text = text
    return {}


def encrypt(svc: KMSSteps, req: Req) -> Response:
    _algorithm(req)
    plaintext = req.bytes_param("Plaintext", max_len=MAX_PLAINTEXT)
    ec = req.encryption_context = req.context_param()
    key = svc.key_param(req)
    svc.authorize(req, "kms:Encrypt", key, encryption_context=ec)
    svc.check_state(key, "Encrypt")
    blob = ciphertext.pack(key.material, key.arn, plaintext, ec)
    return {"CiphertextBlob": blob, "KeyId": key.arn, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}


def _blob_key(svc: KMSSteps, req: Req, blob_param: str, key_param: str) -> tuple[KmsKey, ciphertext.ParsedBlob]:
    raw = req.params.get(blob_param)
    if not isinstance(raw, (bytes, bytearray)) or not 1 <= len(raw) <= ciphertext.MAX_BLOB:
        raise ValidationException(f"1 validation error detected: Value at '{blob_param[:1].lower() + blob_param[1:]}' must be 1 to 6144 bytes")
    try:
        parsed = ciphertext.parse(raw)
    except CryptoError as exc:
        raise InvalidCiphertextException(_BAD_CIPHERTEXT) from exc
    key = svc.world.keys.get(parsed.key_arn)
    if key is None:
        raise InvalidCiphertextException(_BAD_CIPHERTEXT)
    named = req.str_param(key_param)
    if named is not None:
        wanted = svc.resolve(req, named)
        if wanted.arn != key.arn:
            # AWS: a KeyId that is not the key that encrypted the ciphertext
            # (https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html)
            raise IncorrectKeyException("The key ID in the request does not identify a KMS key that can perform this operation.")
    if key.arn not in req.keys:
        req.keys.insert(0, key.arn)
    return key, parsed


def _open(key: KmsKey, parsed: ciphertext.ParsedBlob, ec: dict[str, str]) -> bytes:
    try:
        return ciphertext.open_blob(key.material, parsed, ec)
    except CryptoError as exc:
        raise InvalidCiphertextException(_BAD_CIPHERTEXT) from exc


def decrypt(svc: KMSSteps, req: Req) -> Response:
    _algorithm(req)
    ec = req.encryption_context = req.context_param()
    key, parsed = _blob_key(svc, req, "CiphertextBlob", "KeyId")
    svc.authorize(req, "kms:Decrypt", key, encryption_context=ec)
    svc.check_state(key, "Decrypt")
    plaintext = _open(key, parsed, ec)
    return {"KeyId": key.arn, "Plaintext": plaintext, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}


def re_encrypt(svc: KMSSteps, req: Req) -> Response:
    _algorithm(req)
    src_ec = req.context_param("SourceEncryptionContext")
    dst_ec = req.context_param("DestinationEncryptionContext")
    req.encryption_context = dst_ec or src_ec
    src, parsed = _blob_key(svc, req, "CiphertextBlob", "SourceKeyId")
    dst = svc.key_param(req, "DestinationKeyId")
    # AWS: ReEncrypt needs kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the
    # destination key (https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html)
    svc.authorize(req, "kms:ReEncryptFrom", src, encryption_context=src_ec)
    svc.authorize(req, "kms:ReEncryptTo", dst, encryption_context=dst_ec)
    svc.check_state(src, "ReEncrypt")
    svc.check_state(dst, "ReEncrypt")
    plaintext = _open(src, parsed, src_ec)
    blob = ciphertext.pack(dst.material, dst.arn, plaintext, dst_ec)
    return {
        "CiphertextBlob": blob,
        "SourceKeyId": src.arn,
        "KeyId": dst.arn,
        "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }


def _data_key_size(req: Req) -> int:
    spec = req.params.get("KeySpec")
    n = req.params.get("NumberOfBytes")
    if (spec is None) == (n is None):
        raise ValidationException("Please specify either number of bytes or key spec.")
    if spec is not None:
        if not isinstance(spec, str) or spec not in _KEY_SPECS:
            raise ValidationException(f"1 validation error detected: Value '{spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]")
        return _KEY_SPECS[spec]
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 1024:
        raise ValidationException(f"1 validation error detected: Value '{n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024")
    return n


def _generate(svc: KMSSteps, req: Req, with_plaintext: bool) -> Response:
    size = _data_key_size(req)
    ec = req.encryption_context = req.context_param()
    key = svc.key_param(req)
    svc.authorize(req, "kms:" + req.operation, key, encryption_context=ec)
    svc.check_state(key, req.operation)
    data_key = svc.world.random_bytes(size)
    out: Response = {"KeyId": key.arn, "CiphertextBlob": ciphertext.pack(key.material, key.arn, data_key, ec)}
    if with_plaintext:
        out["Plaintext"] = data_key
    return out


def generate_data_key(svc: KMSSteps, req: Req) -> Response:
    return _generate(svc, req, True)


def generate_data_key_without_plaintext(svc: KMSSteps, req: Req) -> Response:
    return _generate(svc, req, False)


def create_alias(svc: KMSSteps, req: Req) -> Response:
    w = svc.world
    name = req.str_param("AliasName", required=True, max_len=256)
    assert name is not None
    if not valid_alias_name(name):
        raise ValidationException(f"Alias name `{name}` must start with `alias/` and use letters, digits, /, _ and - only")
    if name.startswith("alias/aws/"):
        raise InvalidAliasNameException("Alias names that begin with alias/aws/ are reserved for AWS managed keys.")
    key = svc.key_param(req, "TargetKeyId")
    if (req.caller_account, name) in w.aliases:
        raise AlreadyExistsException(f"An alias with the name arn:{w.partition}:kms:{w.region}:{req.caller_account}:{name} already exists")
    # SIMULATION: AWS also checks kms:CreateAlias on the alias itself (IAM policy); we check the key only.
    svc.authorize(req, "kms:CreateAlias", key)
    svc.check_state(key, "CreateAlias")
    w.add_alias(req.caller_account, name, key)
    return {}


def list_aliases(svc: KMSSteps, req: Req) -> Response:
    # SIMULATION: kms:ListAliases (IAM policy, Resource "*") is not checked; it lists the
    # caller's own account only, as AWS does.
    w = svc.world
    only = None
    if req.params.get("KeyId") is not None:
        only = svc.key_param(req).key_id
    rows = [
        {"AliasName": a.name, "AliasArn": a.arn, "TargetKeyId": a.target_key_id}
        for (acct, _), a in sorted(w.aliases.items())
        if acct == req.caller_account and (only is None or a.target_key_id == only)
    ]
    return {"Aliases": rows, "Truncated": False}


def _set_state(svc: KMSSteps, req: Req, action: str, new: KeyState) -> Response:
    key = svc.key_param(req)
    svc.authorize(req, action, key)
    svc.check_state(key, req.operation)
    key.state = new
    return {}


def enable_key(svc: KMSSteps, req: Req) -> Response:
    return _set_state(svc, req, "kms:EnableKey", KeyState.ENABLED)


def disable_key(svc: KMSSteps, req: Req) -> Response:
    return _set_state(svc, req, "kms:DisableKey", KeyState.DISABLED)


def schedule_key_deletion(svc: KMSSteps, req: Req) -> Response:
    days = req.params.get("PendingWindowInDays", 30)
    if isinstance(days, bool) or not isinstance(days, int) or not 7 <= days <= 30:
        # AWS: waiting period 7-30 days (https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html)
        raise ValidationException(f"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30")
    key = svc.key_param(req)
    svc.authorize(req, "kms:ScheduleKeyDeletion", key)
    svc.check_state(key, "ScheduleKeyDeletion")
    key.state = KeyState.PENDING_DELETION
    key.pending_window_days = days
    key.deletion_date = svc.world.now() + timedelta(days=days)
    return {"KeyId": key.arn, "DeletionDate": key.deletion_date.isoformat(), "KeyState": key.state.value, "PendingWindowInDays": days}


def cancel_key_deletion(svc: KMSSteps, req: Req) -> Response:
    key = svc.key_param(req)
    svc.authorize(req, "kms:CancelKeyDeletion", key)
    if key.state is not KeyState.PENDING_DELETION:
        raise KMSInvalidStateException(f"{key.arn} is {key.state.value.lower()} and not pending deletion.")
    # AWS: a key whose deletion is cancelled is Disabled (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys-scheduling-key-deletion.html)
    key.state = KeyState.DISABLED
    key.deletion_date = None
    key.pending_window_days = None
    return {"KeyId": key.arn}


OPERATIONS: dict[str, Callable[[KMSSteps, Req], Response]] = {
    "CreateKey": create_key,
    "DescribeKey": describe_key,
    "GetKeyPolicy": get_key_policy,
    "PutKeyPolicy": put_key_policy,
    "Encrypt": encrypt,
    "Decrypt": decrypt,
    "ReEncrypt": re_encrypt,
    "GenerateDataKey": generate_data_key,
    "GenerateDataKeyWithoutPlaintext": generate_data_key_without_plaintext,
    "CreateAlias": create_alias,
    "ListAliases": list_aliases,
    "EnableKey": enable_key,
    "DisableKey": disable_key,
    "ScheduleKeyDeletion": schedule_key_deletion,
    "CancelKeyDeletion": cancel_key_deletion,
}
