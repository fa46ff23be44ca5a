"""Simulated Amazon EBS encryption: volumes, snapshots, sharing, CopySnapshot, CreateVolume.

Responsible for the KMS calls EC2 makes AS THE CALLER (kms:ViaService = ec2.REGION.amazonaws.com,
encryption context {"aws:ebs:id": VOLUME_OR_SNAPSHOT_ID}, CreateGrant with
kms:GrantIsForAWSResource = true), for snapshot sharing (createVolumePermission) and for the
rule that snapshots under the AWS managed key `aws/ebs` cannot be shared.
Volume data is really encrypted (envelope.py) under a data key protected by the KMS key.

    r = world.ec2.create_volume(alice, data=b"...", kms_key_id=key.arn)     -> ServiceResult
    world.ec2.create_snapshot(alice, r.response["VolumeId"])
    world.ec2.modify_snapshot_attribute(alice, snap_id, add_accounts=["333333333333"])
    world.ec2.copy_snapshot(carol, snap_id, kms_key_id=carols_key.arn)
    world.ec2.create_volume(carol, snapshot_id=copy_id); world.ec2.read_volume(carol, vol_id)

Who makes each KMS call, as AWS documents it:
- AS THE CALLER, through EC2 (kms:ViaService = ec2.REGION.amazonaws.com): DescribeKey,
  GenerateDataKeyWithoutPlaintext on the volume's key, CreateGrant (kms:GrantIsForAWSResource =
  true) and, for a copy under another key, ReEncrypt (kms:ReEncryptFrom on the source key,
  kms:ReEncryptTo on the destination key). The caller's key policy and IAM policy must allow these.
- BY EC2 UNDER THE GRANT: Decrypt of a data key, made by the account's EC2 infrastructure
  principal (arn:aws:sts::ACCT:assumed-role/aws:ec2-infrastructure/RESOURCE), which the grant
  the caller created names; no policy of the caller needs kms:Decrypt for it.

# AWS: volume from a snapshot: "Amazon EC2 sends a GenerateDataKeyWithoutPlaintext request to AWS KMS,
# specifying the KMS key that you chose for volume encryption"; on attach "Amazon EC2 sends a
# CreateGrant request to AWS KMS so that it can decrypt the data key"
# (https://docs.aws.amazon.com/ebs/latest/userguide/how-ebs-encryption-works.html)
# AWS: the Decrypt is made by `assumed-role/aws:ec2-infrastructure/...`, the grantee of the grant
# (https://docs.aws.amazon.com/kms/latest/developerguide/ct-ec2two.html)
# AWS: users of a shared key need DescribeKey, CreateGrant, GenerateDataKey,
# GenerateDataKeyWithoutPlaintext, ReEncrypt and Decrypt on it, CreateGrant best limited with
# kms:GrantIsForAWSResource (https://docs.aws.amazon.com/ebs/latest/userguide/share-kms-key.html);
# sharing (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html)
# SIMULATION: EC2 API permissions (ec2:CreateVolume, ec2:CopySnapshot, ...) are not checked;
# only the KMS permissions the flow needs are, through the engine.
# SIMULATION: EC2 does not document every KMS call of a copy; ours is DescribeKey and CreateGrant
# on the source key, ReEncrypt to the destination key and DescribeKey on it, all as the caller. No
# documented call of these flows uses kms:GenerateDataKey (with plaintext): it is never required.
# SIMULATION: a volume made from a snapshot always gets a new data key (AWS reuses the snapshot's
# when the key is the same); the snapshot's data key is read by EC2 under a grant on its key.
# SIMULATION: AWS often reports KMS failures asynchronously (a snapshot or volume in the
# `error` state); we fail the request with UnauthorizedOperation / KMS.<code>.
Must not: decide access (the engine does).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from kmslab.aws.chain import KMSCaller, ServiceResult, service_result
from kmslab.aws.errors import (
    EC2KMSError,
    InvalidParameter,
    InvalidParameterValue,
    InvalidSnapshotNotFound,
    InvalidVolumeNotFound,
    UnauthorizedOperation,
)
from kmslab.iam.arn import is_account_id
from kmslab.kms.calls import CallRecord
from kmslab.kms.envelope import decrypt_stream, encrypt_stream, read_header
from kmslab.kms.errors import AccessDeniedException, AWSError, KMSError
from kmslab.kms.keys import KeyManager
from kmslab.kms.service import KMSService
from kmslab.kms.world import World


@dataclass(slots=True)
class Volume:
    volume_id: str
    account: str
    kms_key_arn: str
    encrypted_data_key: bytes
    body: bytes  # envelope; the data key inside it is `encrypted_data_key`
    from_snapshot: str = ""


@dataclass(slots=True)
class Snapshot:
    snapshot_id: str
    account: str
    kms_key_arn: str
    encrypted_data_key: bytes
    body: bytes
    source: str  # volume id or source snapshot id
    shared_with: set[str] = field(default_factory=set)


# AWS: the role EC2 acts as when it uses a grant (https://docs.aws.amazon.com/kms/latest/developerguide/ct-ec2two.html)
INFRASTRUCTURE_ROLE = "aws:ec2-infrastructure"


class EBSService:
    def __init__(self, world: World, kms: KMSService, *, volumes: dict[str, Volume] | None = None,
                 snapshots: dict[str, Snapshot] | None = None) -> None:
        """EC2/EBS in `world`, calling `kms` for the caller; `volumes` / `snapshots` (by id) are
        the state to start from (a stored world), kept and updated in place."""
        self.world = world
        self.volumes: dict[str, Volume] = {} if volumes is None else volumes
        self.snapshots: dict[str, Snapshot] = {} if snapshots is None else snapshots
        self._kms = KMSCaller(kms, _relay, via_service=f"ec2.{world.region}.amazonaws.com")

    # ------------------------------------------------ helpers

    def _infrastructure(self, caller: str) -> str:
        """The role EC2 acts as in the caller's account (created on first use, no policies)."""
        account = self.world.identity_of(caller).account
        role = f"arn:{self.world.partition}:iam::{account}:role/{INFRASTRUCTURE_ROLE}"
        if role not in self.world.principals:
            self.world.add_role(account, INFRASTRUCTURE_ROLE)
        return role

    def _grant(self, calls: list[CallRecord], caller: str, key_arn: str, resource_id: str) -> None:
        """CreateGrant, as the caller through EC2, letting EC2's infrastructure role Decrypt the
        data key of `resource_id` (and nothing else)."""
        self._kms(calls, caller, "CreateGrant", {
            "KeyId": key_arn, "GranteePrincipal": self._infrastructure(caller), "Operations": ["Decrypt"],
            "Constraints": {"EncryptionContextSubset": {"aws:ebs:id": resource_id}},
        })

    def _key_for(self, caller: str, kms_key_id: str | None) -> str:
        if kms_key_id:
            return kms_key_id
        # AWS: without a key, EBS uses the account's AWS managed key aws/ebs, created on first use
        return self.world.managed_key(self.world.identity_of(caller).account, "alias/aws/ebs").arn

    def _result(self, op: str, caller: str, resource: str, calls: list[CallRecord],
                response: dict[str, object] | None, error: AWSError | None) -> ServiceResult:
        return service_result("ec2", op, caller, resource, calls, response, error, denied=(UnauthorizedOperation,))

    def _visible_snapshot(self, caller: str, snapshot_id: str) -> Snapshot:
        snap = self.snapshots.get(snapshot_id) if isinstance(snapshot_id, str) else None
        account = self.world.identity_of(caller).account
        if snap is None or (snap.account != account and account not in snap.shared_with):
            raise InvalidSnapshotNotFound(f"The snapshot '{snapshot_id}' does not exist.")
        return snap

    def _rewrap(self, calls: list[CallRecord], caller: str, src_key: str, edk: bytes, src_id: str,
                dst_key_id: str, dst_id: str) -> tuple[str, bytes]:
        """Move a data key from (src key, src id) to (dst key, dst id): DescribeKey and CreateGrant
        on the source key, ReEncrypt, and CreateGrant on a different destination key."""
        self._kms(calls, caller, "DescribeKey", {"KeyId": src_key})
        self._grant(calls, caller, src_key, src_id)
        resp = self._kms(calls, caller, "ReEncrypt", {
            "CiphertextBlob": edk, "SourceEncryptionContext": {"aws:ebs:id": src_id},
            "DestinationKeyId": dst_key_id, "DestinationEncryptionContext": {"aws:ebs:id": dst_id},
        })
        dst_arn = str(resp["KeyId"])
        if dst_arn != src_key:
            self._kms(calls, caller, "DescribeKey", {"KeyId": dst_arn})
        blob = resp["CiphertextBlob"]
        assert isinstance(blob, bytes)
        return dst_arn, blob

    # ------------------------------------------------ operations
    def _volume_key(self, calls: list[CallRecord], caller: str, key_id: str, vol_id: str) -> tuple[str, bytes]:
        """A new volume's key, as the caller through EC2: DescribeKey, GenerateDataKeyWithoutPlaintext
        (the encrypted data key EBS stores with the volume) and CreateGrant for EC2's later Decrypts."""
        described = self._kms(calls, caller, "DescribeKey", {"KeyId": key_id})
        key_arn = str(described["KeyMetadata"]["Arn"])  # type: ignore[index]
        resp = self._kms(calls, caller, "GenerateDataKeyWithoutPlaintext", {
            "KeyId": key_arn, "KeySpec": "AES_256", "EncryptionContext": {"aws:ebs:id": vol_id}})
        edk = resp["CiphertextBlob"]
        assert isinstance(edk, bytes)
        self._grant(calls, caller, key_arn, vol_id)
        return key_arn, edk

    def create_volume(self, caller: str, *, data: bytes = b"", kms_key_id: str | None = None,
                      snapshot_id: str | None = None) -> ServiceResult:
        """An encrypted volume: new (with `data`) or restored from a snapshot you own or that is
        shared with your account. `kms_key_id` defaults to the snapshot's key in its own
        account, else your aws/ebs."""
        calls: list[CallRecord] = []
        vol_id = "vol-" + self.world.new_hex(8)[:17]
        try:
            account = self.world.identity_of(caller).account
            if snapshot_id is None:
                key_arn, edk = self._volume_key(calls, caller, self._key_for(caller, kms_key_id), vol_id)
                data_key = self._decrypt_key(calls, caller, edk, vol_id)
                out = io.BytesIO()
                encrypt_stream(data_key, io.BytesIO(data), out, key_id=key_arn, encrypted_data_key=edk)
                volume = Volume(vol_id, account, key_arn, edk, out.getvalue())
            else:
                snap = self._visible_snapshot(caller, snapshot_id)
                dst = kms_key_id or (snap.kms_key_arn if snap.account == account else self._key_for(caller, None))
                # The volume's key, as for a new volume: DescribeKey, GenerateDataKeyWithoutPlaintext
                # and CreateGrant as the caller.
                key_arn, edk = self._volume_key(calls, caller, dst, vol_id)
                # The snapshot's key: EC2 reads the snapshot's data key under a grant the caller makes.
                if snap.kms_key_arn != key_arn:
                    self._kms(calls, caller, "DescribeKey", {"KeyId": snap.kms_key_arn})
                self._grant(calls, caller, snap.kms_key_arn, snap.snapshot_id)
                old_key = self._decrypt_key(calls, caller, snap.encrypted_data_key, snap.snapshot_id)
                data_key = self._decrypt_key(calls, caller, edk, vol_id)
                body = _reencrypt(snap.body, old_key, data_key, key_arn, edk)
                volume = Volume(vol_id, account, key_arn, edk, body, snapshot_id)
        except AWSError as exc:
            return self._result("CreateVolume", caller, vol_id, calls, None, exc)
        self.volumes[vol_id] = volume
        return self._result("CreateVolume", caller, vol_id, calls, {"VolumeId": vol_id, "Encrypted": True, "KmsKeyId": volume.kms_key_arn}, None)

    def _decrypt_key(self, calls: list[CallRecord], caller: str, edk: bytes, resource_id: str) -> bytes:
        """Decrypt a data key BY EC2 under the caller's grant: the caller is EC2's infrastructure role
        session for the resource, which only the grant allows."""
        infra = self.world.assume_role(self._infrastructure(caller), resource_id)
        resp = self._kms(calls, infra, "Decrypt", {"CiphertextBlob": edk, "EncryptionContext": {"aws:ebs:id": resource_id}})
        key = resp["Plaintext"]
        assert isinstance(key, bytes)
        return key

    def read_volume(self, caller: str, volume_id: str) -> ServiceResult:
        """Attach and read: EC2 decrypts the volume's data key under its grant, then the data."""
        calls: list[CallRecord] = []
        try:
            vol = self.volumes.get(volume_id) if isinstance(volume_id, str) else None
            if vol is None or vol.account != self.world.identity_of(caller).account:
                raise InvalidVolumeNotFound(f"The volume '{volume_id}' does not exist.")
            data_key = self._decrypt_key(calls, caller, vol.encrypted_data_key, volume_id)
            src = io.BytesIO(vol.body)
            header, aad = read_header(src)
            out = io.BytesIO()
            decrypt_stream(data_key, header, aad, src, out)
        except AWSError as exc:
            return self._result("AttachVolume", caller, volume_id, calls, None, exc)
        return self._result("AttachVolume", caller, volume_id, calls, {"Data": out.getvalue()}, None)

    def create_snapshot(self, caller: str, volume_id: str) -> ServiceResult:
        calls: list[CallRecord] = []
        snap_id = "snap-" + self.world.new_hex(9)[:17]
        try:
            vol = self.volumes.get(volume_id) if isinstance(volume_id, str) else None
            if vol is None or vol.account != self.world.identity_of(caller).account:
                raise InvalidVolumeNotFound(f"The volume '{volume_id}' does not exist.")
            resp = self._kms(calls, caller, "ReEncrypt", {
                "CiphertextBlob": vol.encrypted_data_key, "SourceEncryptionContext": {"aws:ebs:id": volume_id},
                "DestinationKeyId": vol.kms_key_arn, "DestinationEncryptionContext": {"aws:ebs:id": snap_id}})
            edk = resp["CiphertextBlob"]
            assert isinstance(edk, bytes)
        except AWSError as exc:
            return self._result("CreateSnapshot", caller, volume_id, calls, None, exc)
        self.snapshots[snap_id] = Snapshot(snap_id, vol.account, vol.kms_key_arn, edk, vol.body, volume_id)
        return self._result("CreateSnapshot", caller, volume_id, calls, {"SnapshotId": snap_id, "Encrypted": True, "KmsKeyId": vol.kms_key_arn}, None)

    def modify_snapshot_attribute(self, caller: str, snapshot_id: str, *, add_accounts: Sequence[str] = (),
                                  remove_accounts: Sequence[str] = ()) -> ServiceResult:
        """createVolumePermission: share with (or stop sharing with) other accounts."""
        calls: list[CallRecord] = []
        try:
            snap = self.snapshots.get(snapshot_id) if isinstance(snapshot_id, str) else None
            if snap is None or snap.account != self.world.identity_of(caller).account:
                raise InvalidSnapshotNotFound(f"The snapshot '{snapshot_id}' does not exist.")
            bad = [a for a in (*add_accounts, *remove_accounts) if not is_account_id(a)]
            if bad:
                raise InvalidParameterValue(f"Value ({bad[0]}) for parameter userId is invalid. Expected a 12-digit AWS account id.")
            key = self.world.keys.get(snap.kms_key_arn)
            if add_accounts and key is not None and key.manager is KeyManager.AWS:
                # AWS: "You can't share snapshots that are encrypted with the default AWS managed key."
                # (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html)
                # SIMULATION: error code and wording are ours; AWS refuses the share.
                raise InvalidParameter("Snapshots encrypted with the AWS managed key (aws/ebs) can't be shared; copy the snapshot under a customer managed key first.")
            snap.shared_with |= set(add_accounts)
            snap.shared_with -= set(remove_accounts)
        except AWSError as exc:
            return self._result("ModifySnapshotAttribute", caller, snapshot_id, calls, None, exc)
        return self._result("ModifySnapshotAttribute", caller, snapshot_id, calls, {"Return": True}, None)

    def copy_snapshot(self, caller: str, source_snapshot_id: str, *, kms_key_id: str | None = None) -> ServiceResult:
        """Copy a snapshot (yours or shared with you) into your account, re-encrypting its data key
        under `kms_key_id` (default: your aws/ebs)."""
        calls: list[CallRecord] = []
        snap_id = "snap-" + self.world.new_hex(9)[:17]
        try:
            src = self._visible_snapshot(caller, source_snapshot_id)
            account = self.world.identity_of(caller).account
            key_arn, edk = self._rewrap(calls, caller, src.kms_key_arn, src.encrypted_data_key, src.snapshot_id,
                                        self._key_for(caller, kms_key_id), snap_id)
        except AWSError as exc:
            return self._result("CopySnapshot", caller, source_snapshot_id, calls, None, exc)
        self.snapshots[snap_id] = Snapshot(snap_id, account, key_arn, edk, src.body, source_snapshot_id)
        return self._result("CopySnapshot", caller, source_snapshot_id, calls, {"SnapshotId": snap_id, "KmsKeyId": key_arn}, None)


def _reencrypt(body: bytes, old_key: bytes, new_key: bytes, key_arn: str, edk: bytes) -> bytes:
    """The snapshot's data decrypted with its data key and encrypted with the volume's."""
    src = io.BytesIO(body)
    header, aad = read_header(src)
    plain = io.BytesIO()
    decrypt_stream(old_key, header, aad, src, plain)
    out = io.BytesIO()
    encrypt_stream(new_key, io.BytesIO(plain.getvalue()), out, key_id=key_arn, encrypted_data_key=edk)
    return out.getvalue()


def _relay(error: KMSError) -> AWSError:
    if isinstance(error, AccessDeniedException):
        return UnauthorizedOperation(error.message, error)
    return EC2KMSError(error)
