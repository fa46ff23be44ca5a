"""Amazon EC2 (EBS volumes and snapshots) over the query protocol, version 2016-11-15.

Responsible for the wire shape (form fields in, lowerCamel XML out, `<Response><Errors>` errors)
and for keeping volumes and snapshots in the database between requests. Each request loads the
lab's volumes and snapshots into `world.ec2` and runs the simulator's own EBS operation, so the
KMS calls EBS makes as the caller (DescribeKey, CreateGrant, ReEncrypt, Decrypt, with
kms:ViaService) are decided by the engine. CreateVolume is idempotent on ClientToken.
Must not: decide access, or keep plaintext.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone

from kmslab.aws.chain import ServiceResult
from kmslab.aws.ebs import Snapshot, Volume
from kmslab.endpoint import models
from kmslab.endpoint.lab import LabWorld
from kmslab.endpoint.wire import README_OPS, WireError, request_id, x
from kmslab.kms.calls import CallRecord

NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
OPERATIONS = frozenset({"CreateVolume", "DescribeVolumes", "CreateSnapshot", "DescribeSnapshots",
                        "ModifySnapshotAttribute", "CopySnapshot"})


@dataclass
class EC2Outcome:
    operation: str
    response: HttpResponse
    calls: tuple[CallRecord, ...] = ()


class EC2Failure(Exception):
    def __init__(self, error: WireError, calls: tuple[CallRecord, ...] = ()) -> None:
        super().__init__(str(error))
        self.error = error
        self.calls = calls


def _xml(action: str, inner: str) -> HttpResponse:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{NS}"><requestId>{request_id()}</requestId>'
            f"{inner}</{action}Response>")
    return HttpResponse(body, content_type="text/xml;charset=UTF-8")


def _listed(fields: Mapping[str, str], prefix: str) -> list[str]:
    """`Prefix.1=a&Prefix.2=b` -> [a, b], in index order."""
    items = []
    for k, v in fields.items():
        if k.startswith(prefix + "."):
            rest = k[len(prefix) + 1:]
            if rest.isdigit():
                items.append((int(rest), v))
    return [v for _, v in sorted(items)]


def _load(lw: LabWorld) -> tuple[set[str], dict[str, tuple[str, ...]]]:
    ec2 = lw.world.ec2
    for v in models.VolumeRow.objects.filter(lab=lw.lab):
        ec2.volumes[v.volume_id] = Volume(v.volume_id, v.account, v.kms_key_arn, bytes(v.encrypted_data_key), bytes(v.body), v.from_snapshot)
    shares: dict[str, tuple[str, ...]] = {}
    for s in models.SnapshotRow.objects.filter(lab=lw.lab):
        ec2.snapshots[s.snapshot_id] = Snapshot(s.snapshot_id, s.account, s.kms_key_arn, bytes(s.encrypted_data_key),
                                                bytes(s.body), s.source, set(s.shared_with))
        shares[s.snapshot_id] = tuple(sorted(s.shared_with))
    return set(ec2.volumes), shares


def _fail(result: ServiceResult) -> None:
    if result.error is not None:
        code = result.error.code
        status = 403 if code == "UnauthorizedOperation" else 400
        raise EC2Failure(WireError("ec2", code, result.error.message, status), result.calls)


def _time(dt: object) -> str:
    return timezone.now().strftime("%Y-%m-%dT%H:%M:%S.000Z") if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # type: ignore[attr-defined]


def _volume_xml(v: models.VolumeRow) -> str:
    return (f"<volumeId>{x(v.volume_id)}</volumeId><size>{v.size}</size><snapshotId>{x(v.from_snapshot)}</snapshotId>"
            f"<availabilityZone>us-east-1a</availabilityZone><status>available</status><createTime>{_time(v.created_at)}</createTime>"
            f"<volumeType>gp3</volumeType><encrypted>true</encrypted><kmsKeyId>{x(v.kms_key_arn)}</kmsKeyId>")


def _snapshot_xml(s: models.SnapshotRow) -> str:
    return (f"<snapshotId>{x(s.snapshot_id)}</snapshotId><volumeId>{x(s.source if s.source.startswith('vol-') else 'vol-ffffffff')}</volumeId>"
            f"<status>completed</status><startTime>{_time(s.created_at)}</startTime><progress>100%</progress>"
            f"<ownerId>{x(s.account)}</ownerId><volumeSize>{s.size}</volumeSize><description>{x(s.description)}</description>"
            f"<encrypted>true</encrypted><kmsKeyId>{x(s.kms_key_arn)}</kmsKeyId>")


def handle(lw: LabWorld, caller: str, action: str, f: Mapping[str, str]) -> EC2Outcome:
    if action not in OPERATIONS:
        raise EC2Failure(WireError("ec2", "InvalidAction", f"KMS Lab does not model the EC2 operation `{action[:80]}` ({README_OPS})"))
    before, shares = _load(lw)
    ec2 = lw.world.ec2
    account = lw.world.identity_of(caller).account
    if action == "CreateVolume":
        token = f.get("ClientToken", "")[:64]
        if token:
            old = models.VolumeRow.objects.filter(lab=lw.lab, client_token=token, account=account).first()
            if old is not None:  # AWS: a retried CreateVolume with the same ClientToken returns the same volume
                return EC2Outcome(action, _xml(action, _volume_xml(old)))
        if f.get("Encrypted", "true").lower() == "false" and not f.get("SnapshotId"):
            # SIMULATION: every volume is encrypted (the lab is about KMS)
            raise EC2Failure(WireError("ec2", "InvalidParameterValue", "KMS Lab models encrypted volumes only: pass --encrypted"))
        try:
            size = int(f.get("Size", "8"))
        except ValueError:
            raise EC2Failure(WireError("ec2", "InvalidParameterValue", "Size must be an integer (GiB)")) from None
        result = ec2.create_volume(caller, data=b"database pages", kms_key_id=f.get("KmsKeyId") or None,
                                   snapshot_id=f.get("SnapshotId") or None)
        _fail(result)
        vid = str(result.response["VolumeId"])  # type: ignore[index]
        v = ec2.volumes[vid]
        row = models.VolumeRow.objects.create(lab=lw.lab, volume_id=vid, account=v.account, kms_key_arn=v.kms_key_arn,
                                              encrypted_data_key=v.encrypted_data_key, body=v.body, from_snapshot=v.from_snapshot,
                                              size=size, client_token=token)
        return EC2Outcome(action, _xml(action, _volume_xml(row)), result.calls)
    if action == "DescribeVolumes":
        ids = _listed(f, "VolumeId")
        rows = models.VolumeRow.objects.filter(lab=lw.lab, account=account).order_by("created_at")
        found = [r for r in rows if not ids or r.volume_id in ids]
        missing = [i for i in ids if i not in {r.volume_id for r in found}]
        if missing:
            raise EC2Failure(WireError("ec2", "InvalidVolume.NotFound", f"The volume '{missing[0]}' does not exist."))
        return EC2Outcome(action, _xml(action, "<volumeSet>" + "".join(f"<item>{_volume_xml(r)}</item>" for r in found) + "</volumeSet>"))
    if action == "CreateSnapshot":
        result = ec2.create_snapshot(caller, f.get("VolumeId", ""))
        _fail(result)
        sid = str(result.response["SnapshotId"])  # type: ignore[index]
        s = ec2.snapshots[sid]
        vol = models.VolumeRow.objects.filter(lab=lw.lab, volume_id=s.source).first()
        row = models.SnapshotRow.objects.create(lab=lw.lab, snapshot_id=sid, account=s.account, kms_key_arn=s.kms_key_arn,
                                                encrypted_data_key=s.encrypted_data_key, body=s.body, source=s.source,
                                                size=vol.size if vol else 8, description=f.get("Description", "")[:255])
        return EC2Outcome(action, _xml(action, _snapshot_xml(row)), result.calls)
    if action == "DescribeSnapshots":
        ids = _listed(f, "SnapshotId")
        owners = _listed(f, "Owner")
        rows = models.SnapshotRow.objects.filter(lab=lw.lab).order_by("created_at")
        visible = [r for r in rows if r.account == account or account in r.shared_with]
        if owners:
            visible = [r for r in visible if r.account in owners or ("self" in owners and r.account == account)]
        found = [r for r in visible if not ids or r.snapshot_id in ids]
        missing = [i for i in ids if i not in {r.snapshot_id for r in found}]
        if missing:
            raise EC2Failure(WireError("ec2", "InvalidSnapshot.NotFound", f"The snapshot '{missing[0]}' does not exist."))
        return EC2Outcome(action, _xml(action, "<snapshotSet>" + "".join(f"<item>{_snapshot_xml(r)}</item>" for r in found) + "</snapshotSet>"))
    if action == "ModifySnapshotAttribute":
        attribute = f.get("Attribute", "createVolumePermission")
        if attribute != "createVolumePermission":
            raise EC2Failure(WireError("ec2", "InvalidParameterValue", f"KMS Lab models the createVolumePermission attribute only, not `{attribute[:40]}`"))
        add = [f[k] for k in sorted(f) if k.startswith("CreateVolumePermission.Add.") and k.endswith(".UserId")]
        remove = [f[k] for k in sorted(f) if k.startswith("CreateVolumePermission.Remove.") and k.endswith(".UserId")]
        users = _listed(f, "UserId")
        if users:
            (remove if f.get("OperationType") == "remove" else add).extend(users)
        sid = f.get("SnapshotId", "")
        result = ec2.modify_snapshot_attribute(caller, sid, add_accounts=add, remove_accounts=remove)
        _fail(result)
        models.SnapshotRow.objects.filter(lab=lw.lab, snapshot_id=sid).update(shared_with=sorted(ec2.snapshots[sid].shared_with))
        return EC2Outcome(action, _xml(action, "<return>true</return>"), result.calls)
    # CopySnapshot. botocore adds PresignedUrl and DestinationRegion; the lab has one region.
    source_region = f.get("SourceRegion", lw.world.region)
    if source_region != lw.world.region:
        raise EC2Failure(WireError("ec2", "InvalidParameterValue", f"this lab has one region, {lw.world.region}: use --source-region {lw.world.region}"))
    src = f.get("SourceSnapshotId", "")
    result = ec2.copy_snapshot(caller, src, kms_key_id=f.get("KmsKeyId") or None)
    _fail(result)
    sid = str(result.response["SnapshotId"])  # type: ignore[index]
    s = ec2.snapshots[sid]
    origin = models.SnapshotRow.objects.filter(lab=lw.lab, snapshot_id=src).first()
    models.SnapshotRow.objects.create(lab=lw.lab, snapshot_id=sid, account=s.account, kms_key_arn=s.kms_key_arn,
                                      encrypted_data_key=s.encrypted_data_key, body=s.body, source=src,
                                      size=origin.size if origin else 8, description=f.get("Description", "")[:255])
    _ = before, shares
    return EC2Outcome(action, _xml(action, f"<snapshotId>{x(sid)}</snapshotId>"), result.calls)
