"""The simulated AWS world: the composition root that wires the services to the KMS world.

Responsible for building one world of accounts, principals, keys and grants (kmslab.kms.world)
and the services that act in it, each given what it needs: the KMS service (kmslab.kms.service),
S3 and EC2/EBS (which call KMS as the caller), and CloudTrail (which calls KMS and S3 as itself).

    world = World(region="us-east-1", seed=7)
    world.kms.call(bob, "GenerateDataKey", {...}); world.s3.put_object(bob, "reports", "q1.csv", b"...")

Must not: import Django, decide access (the engine does), or hold state of its own.
"""

from __future__ import annotations

from kmslab.aws.cloudtrail import CloudTrailService
from kmslab.aws.ebs import EBSService
from kmslab.aws.s3 import S3Service
from kmslab.kms.service import KMSService
from kmslab.kms.world import World as KMSWorld


class World(KMSWorld):
    """A KMS world with its services: `kms`, `s3`, `ec2` (EBS) and `cloudtrail`."""

    def __init__(self, region: str = "us-east-1", *, seed: int | None = None, partition: str = "aws",
                 id_seed: str | None = None) -> None:
        super().__init__(region, seed=seed, partition=partition, id_seed=id_seed)
        self.kms = KMSService(self)
        self.s3 = S3Service(self, self.kms)
        self.ec2 = EBSService(self, self.kms)
        self.cloudtrail = CloudTrailService(self, self.kms, self.s3)
