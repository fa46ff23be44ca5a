"""What a learner's real CLI and boto3 calls create, kept in the database.

A Lab is one learner's world in one scenario (its `generation` changes on Reset, which issues
new keys and empties the lab). Access keys are stored by id only: the secret and any session
token are re-derived from SECRET_KEY (kmslab.endpoint.credentials) and never stored. Key
material is derived the same way, so what was encrypted yesterday decrypts today; key states,
grants, objects, multipart uploads and their parts are rows here.
"""

from __future__ import annotations

from django.db import models

from scenarios.models import Scenario


class Lab(models.Model):
    learner_key = models.CharField(max_length=120)
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveIntegerField(default=1)
    bytes_stored = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner_key", "scenario"], name="one_lab_per_learner_and_scenario")]

    def __str__(self) -> str:
        return f"{self.learner_key} {self.scenario_id} gen {self.generation}"


class AccessKey(models.Model):
    """An access key id of a lab. kind: `user` (long-term, one per principal) or `session`
    (temporary, from STS AssumeRole; needs its session token)."""

    access_key_id = models.CharField(max_length=32, unique=True)
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="access_keys")
    generation = models.PositiveIntegerField()
    principal = models.CharField(max_length=80, help_text="the scenario principal's name (bob, analyst)")
    kind = models.CharField(max_length=20, default="user")  # user | session | role-source
    session_name = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)


class KeyState(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="key_states")
    key_arn = models.CharField(max_length=200)
    state = models.CharField(max_length=20)
    deletion_date = models.DateTimeField(null=True, blank=True)
    pending_window_days = models.PositiveSmallIntegerField(null=True, blank=True)
    policy_text = models.TextField(blank=True, help_text="a key policy changed by PutKeyPolicy when the scenario's document is read-only")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "key_arn"], name="one_state_per_lab_key")]


class GrantRow(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="grants")
    grant_id = models.CharField(max_length=80)
    key_arn = models.CharField(max_length=200)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "grant_id"], name="one_grant_id_per_lab")]


class StoredObject(models.Model):
    """An S3 object: the envelope S3 stored (never plaintext) and its encryption facts."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="stored_objects")
    bucket = models.CharField(max_length=63)
    key = models.CharField(max_length=1024)
    body = models.BinaryField()
    size = models.BigIntegerField()
    etag = models.CharField(max_length=80)
    sse = models.CharField(max_length=20)
    kms_key_arn = models.CharField(max_length=200, blank=True)
    encryption_context = models.JSONField(default=dict)
    bucket_key = models.BooleanField(default=False)
    owner_caller = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "bucket", "key"], name="one_object_per_lab_bucket_key")]


class Upload(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="uploads")
    upload_id = models.CharField(max_length=64, unique=True)
    bucket = models.CharField(max_length=63)
    key = models.CharField(max_length=1024)
    kms_key_arn = models.CharField(max_length=200, blank=True)
    encrypted_data_key = models.BinaryField()
    encryption_context = models.JSONField(default=dict)
    bucket_key = models.BooleanField(default=False)
    sse = models.CharField(max_length=20, default="aws:kms")
    created_at = models.DateTimeField(auto_now_add=True)


class Part(models.Model):
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()
    body = models.BinaryField()
    size = models.BigIntegerField()
    etag = models.CharField(max_length=80)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "number"], name="one_part_per_number")]


class ApiCall(models.Model):
    """One call the learner's CLI or SDK made, as the API calls panel shows it (never secrets)."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="calls")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    principal = models.CharField(max_length=80)
    caller = models.CharField(max_length=300)
    service = models.CharField(max_length=10)
    operation = models.CharField(max_length=80)
    http_status = models.PositiveSmallIntegerField()
    error_code = models.CharField(max_length=80, blank=True)
    error_message = models.CharField(max_length=1000, blank=True)
    detail = models.JSONField(default=dict, help_text="the KMS calls behind it, with verdict and gates")

    class Meta:
        ordering = ["-at", "-id"]


class VolumeRow(models.Model):
    """An EBS volume: the envelope of its data and its encrypted data key (never plaintext)."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="volumes")
    volume_id = models.CharField(max_length=32)
    account = models.CharField(max_length=12)
    kms_key_arn = models.CharField(max_length=200)
    encrypted_data_key = models.BinaryField()
    body = models.BinaryField()
    from_snapshot = models.CharField(max_length=32, blank=True)
    size = models.PositiveIntegerField(default=8)
    client_token = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "volume_id"], name="one_volume_id_per_lab")]


class SnapshotRow(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="snapshots")
    snapshot_id = models.CharField(max_length=32)
    account = models.CharField(max_length=12)
    kms_key_arn = models.CharField(max_length=200)
    encrypted_data_key = models.BinaryField()
    body = models.BinaryField()
    source = models.CharField(max_length=32)
    shared_with = models.JSONField(default=list)
    size = models.PositiveIntegerField(default=8)
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "snapshot_id"], name="one_snapshot_id_per_lab")]
