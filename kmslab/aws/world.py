"""The simulated AWS world: the composition root that wires the services to the KMS world.

Responsible for building one world of accounts, principals, keys and grants (kmslab.kms.world)
and the services that act in it, each given what it needs: the KMS service (kmslab.kms.service),
S3 and EC2/EBS (which call KMS as the caller), and CloudTrail (which calls KMS and S3 as itself).
A world starts empty, or from stored state (`state` for the KMS world, `services` for theirs).

    world = World(region="us-east-1", seed=7)
    world.kms.call(bob, "GenerateDataKey", {...}); world.s3.put_object(bob, "reports", "q1.csv", b"...")
    again = World(state=world.state, services=world.service_state)    # the same world, rebuilt

Must not: import Django, decide access (the engine does), or do I/O (storing state is the caller's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kmslab.aws.cloudtrail import CloudTrailService, Trail
from kmslab.aws.ebs import EBSService, Snapshot, Volume
from kmslab.aws.s3 import Bucket, S3Service
from kmslab.kms.service import KMSService
from kmslab.kms.world import World as KMSWorld
from kmslab.kms.world import WorldState


@dataclass(slots=True)
class ServiceState:
    """What the services that call KMS hold; the services keep these containers and update them
    in place. `sse_s3_key` is S3's own key for SSE-S3 (None: a new one)."""

    buckets: dict[str, Bucket] = field(default_factory=dict)
    sse_s3_key: bytes | None = None
    volumes: dict[str, Volume] = field(default_factory=dict)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    trails: dict[str, Trail] = field(default_factory=dict)


class World(KMSWorld):
    """A KMS world with its services: `kms`, `s3`, `ec2` (EBS) and `cloudtrail`."""

    def __init__(self, region: str = "us-east-1", *, seed: int | None = None, partition: str = "aws",
                 state: WorldState | None = None, services: ServiceState | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(region, seed=seed, partition=partition, state=state, clock=clock)
        s = ServiceState() if services is None else services
        self.kms = KMSService(self)
        self.s3 = S3Service(self, self.kms, buckets=s.buckets, sse_s3_key=s.sse_s3_key)
        self.ec2 = EBSService(self, self.kms, volumes=s.volumes, snapshots=s.snapshots)
        self.cloudtrail = CloudTrailService(self, self.kms, self.s3, trails=s.trails)
        s.sse_s3_key = self.s3.sse_s3_key
        self.service_state = s
