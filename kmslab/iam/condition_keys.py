"""Condition key catalog: KMS keys, the global aws: keys, and a few S3 keys.

Responsible for each key's value type (operator family), whether it is multi-valued, and
looking keys up case-insensitively (prefix keys such as `kms:EncryptionContext:<name>` match
any suffix). Must not: evaluate conditions.

# AWS: KMS keys and their types (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html)
# AWS: global keys (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
# AWS: "Context key names are not case-sensitive"
#   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html)
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass

from kmslab.iam.operators import OperatorFamily

_S = OperatorFamily.STRING
_N = OperatorFamily.NUMERIC
_D = OperatorFamily.DATE
_B = OperatorFamily.BOOL
_IP = OperatorFamily.IP
_ARN = OperatorFamily.ARN


@dataclass(frozen=True, slots=True)
class ConditionKeySpec:
    name: str  # canonical spelling; prefix keys end with ":" or "/" ("kms:EncryptionContext:")
    family: OperatorFamily
    multi_valued: bool = False
    prefix: bool = False  # the name is followed by a variable part
    deprecated: str = ""  # the replacement key, if deprecated
    also: tuple[OperatorFamily, ...] = ()  # other operator families AWS documents for this key

    def accepts(self, family: OperatorFamily) -> bool:
        """Whether an operator of `family` is meant for this key (Null works with every key).

        ARN-typed keys also take String operators, as the AWS docs allow."""
        if family is OperatorFamily.NULL or family is self.family or family in self.also:
            return True
        return self.family is OperatorFamily.ARN and family is OperatorFamily.STRING


_KEYS: tuple[ConditionKeySpec, ...] = (
    # --- KMS
    ConditionKeySpec("kms:BypassPolicyLockoutSafetyCheck", _B),
    ConditionKeySpec("kms:CallerAccount", _S),
    ConditionKeySpec("kms:CustomerMasterKeySpec", _S, deprecated="kms:KeySpec"),
    ConditionKeySpec("kms:CustomerMasterKeyUsage", _S, deprecated="kms:KeyUsage"),
    ConditionKeySpec("kms:DataKeyPairSpec", _S),
    ConditionKeySpec("kms:EncryptionAlgorithm", _S),
    ConditionKeySpec("kms:EncryptionContext:", _S, prefix=True),
    ConditionKeySpec("kms:EncryptionContextKeys", _S, multi_valued=True),
    ConditionKeySpec("kms:ExpirationModel", _S),
    ConditionKeySpec("kms:GrantConstraintType", _S),
    ConditionKeySpec("kms:GrantIsForAWSResource", _B),
    ConditionKeySpec("kms:GrantOperations", _S, multi_valued=True),
    ConditionKeySpec("kms:GranteePrincipal", _S),
    ConditionKeySpec("kms:KeyAgreementAlgorithm", _S),
    ConditionKeySpec("kms:KeyOrigin", _S),
    ConditionKeySpec("kms:KeySpec", _S),
    ConditionKeySpec("kms:KeyUsage", _S),
    ConditionKeySpec("kms:MacAlgorithm", _S),
    ConditionKeySpec("kms:MessageType", _S),
    ConditionKeySpec("kms:MultiRegion", _B),
    ConditionKeySpec("kms:MultiRegionKeyType", _S),
    ConditionKeySpec("kms:PrimaryRegion", _S),
    ConditionKeySpec("kms:ReEncryptOnSameKey", _B),
    ConditionKeySpec("kms:RecipientAttestation:", _S, prefix=True),
    ConditionKeySpec("kms:ReplicaRegion", _S),
    ConditionKeySpec("kms:RequestAlias", _S),
    ConditionKeySpec("kms:ResourceAliases", _S, multi_valued=True),
    ConditionKeySpec("kms:RetiringPrincipal", _S),
    ConditionKeySpec("kms:RotationPeriodInDays", _N),
    ConditionKeySpec("kms:ScheduleKeyDeletionPendingWindowInDays", _N),
    ConditionKeySpec("kms:SigningAlgorithm", _S),
    ConditionKeySpec("kms:ValidTo", _D),
    ConditionKeySpec("kms:ViaService", _S),
    ConditionKeySpec("kms:WrappingAlgorithm", _S),
    ConditionKeySpec("kms:WrappingKeySpec", _S),
    # --- global
    ConditionKeySpec("aws:CalledVia", _S, multi_valued=True),
    ConditionKeySpec("aws:CalledViaFirst", _S),
    ConditionKeySpec("aws:CalledViaLast", _S),
    ConditionKeySpec("aws:CurrentTime", _D),
    ConditionKeySpec("aws:EpochTime", _D, also=(_N,)),  # AWS: Date or Numeric operators
    ConditionKeySpec("aws:FederatedProvider", _S),
    ConditionKeySpec("aws:MultiFactorAuthAge", _N),
    ConditionKeySpec("aws:MultiFactorAuthPresent", _B),
    ConditionKeySpec("aws:PrincipalAccount", _S),
    ConditionKeySpec("aws:PrincipalArn", _ARN),
    ConditionKeySpec("aws:PrincipalIsAWSService", _B),
    ConditionKeySpec("aws:PrincipalOrgID", _S),
    ConditionKeySpec("aws:PrincipalOrgPaths", _S, multi_valued=True),
    ConditionKeySpec("aws:PrincipalServiceName", _S),
    ConditionKeySpec("aws:PrincipalServiceNamesList", _S, multi_valued=True),
    ConditionKeySpec("aws:PrincipalTag/", _S, prefix=True),
    ConditionKeySpec("aws:PrincipalType", _S),
    ConditionKeySpec("aws:Referer", _S),
    ConditionKeySpec("aws:RequestedRegion", _S),
    ConditionKeySpec("aws:RequestTag/", _S, prefix=True),
    ConditionKeySpec("aws:ResourceAccount", _S),
    ConditionKeySpec("aws:ResourceOrgID", _S),
    ConditionKeySpec("aws:ResourceOrgPaths", _S, multi_valued=True),
    ConditionKeySpec("aws:ResourceTag/", _S, prefix=True),
    ConditionKeySpec("aws:SecureTransport", _B),
    ConditionKeySpec("aws:SourceAccount", _S),
    ConditionKeySpec("aws:SourceArn", _ARN),
    ConditionKeySpec("aws:SourceIdentity", _S),
    ConditionKeySpec("aws:SourceIp", _IP),
    ConditionKeySpec("aws:SourceOrgID", _S),
    ConditionKeySpec("aws:SourceOrgPaths", _S, multi_valued=True),
    ConditionKeySpec("aws:SourceVpc", _S),
    ConditionKeySpec("aws:SourceVpce", _S),
    ConditionKeySpec("aws:TagKeys", _S, multi_valued=True),
    ConditionKeySpec("aws:TokenIssueTime", _D),
    ConditionKeySpec("aws:UserAgent", _S),
    ConditionKeySpec("aws:userid", _S),
    ConditionKeySpec("aws:username", _S),
    ConditionKeySpec("aws:ViaAWSService", _B),
    ConditionKeySpec("aws:VpcSourceIp", _IP),
    # --- S3 (the few the labs use)
    ConditionKeySpec("s3:x-amz-server-side-encryption", _S),
    ConditionKeySpec("s3:x-amz-server-side-encryption-aws-kms-key-id", _ARN),
    ConditionKeySpec("s3:prefix", _S),
    ConditionKeySpec("s3:delimiter", _S),
    ConditionKeySpec("s3:max-keys", _N),
    ConditionKeySpec("s3:ExistingObjectTag/", _S, prefix=True),
    ConditionKeySpec("s3:RequestObjectTagKeys", _S, multi_valued=True),
    ConditionKeySpec("s3:x-amz-acl", _S),
    ConditionKeySpec("s3:ResourceAccount", _S),
    ConditionKeySpec("s3:TlsVersion", _N),
    ConditionKeySpec("s3:signatureversion", _S),
    ConditionKeySpec("s3:authType", _S),
    ConditionKeySpec("s3:VersionId", _S),
    ConditionKeySpec("s3:x-amz-server-side-encryption-customer-algorithm", _S),
)

CONDITION_KEYS: dict[str, ConditionKeySpec] = {k.name.lower(): k for k in _KEYS if not k.prefix}
_PREFIX_KEYS: tuple[ConditionKeySpec, ...] = tuple(k for k in _KEYS if k.prefix)
ALL_CONDITION_KEYS: tuple[ConditionKeySpec, ...] = _KEYS
# Services whose keys we catalog fully enough to call an unknown one unknown.
CATALOGED_KEY_SERVICES = frozenset({"kms", "aws"})


def lookup_condition_key(key: object) -> ConditionKeySpec | None:
    """Case-insensitive; `kms:EncryptionContext:Department` -> the `kms:EncryptionContext:` entry
    (the variable part must be non-empty)."""
    if not isinstance(key, str) or len(key) > 512:
        return None
    return _lookup(key.lower())


@functools.lru_cache(maxsize=2048)
def _lookup(low: str) -> ConditionKeySpec | None:
    spec = CONDITION_KEYS.get(low)
    if spec is not None:
        return spec
    for p in _PREFIX_KEYS:
        if low.startswith(p.name.lower()) and len(low) > len(p.name):
            return p
    return None


def suggest_condition_key(key: object) -> str | None:
    """The cataloged key a misspelt key most likely meant (`kms:ViaServices` -> `kms:ViaService`)."""
    if not isinstance(key, str) or not key or len(key) > 512:
        return None
    low = key.lower()
    names = {k.name.lower(): k.name for k in _KEYS}
    # `kms:EncryptionContext/app` or `kms:encryptioncontext.app`: point at the prefix form
    for p in _PREFIX_KEYS:
        stem = p.name.lower()[:-1]
        if low.startswith(stem) and len(low) > len(stem) + 1 and low[len(stem)] in "./:_-" \
                and low[len(stem)] != p.name[-1]:
            return p.name + key[len(stem) + 1:]
    close = difflib.get_close_matches(low, list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None
