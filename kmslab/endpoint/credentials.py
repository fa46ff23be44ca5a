"""Lab credentials: derived from SECRET_KEY, never stored in clear.

An access key id names (learner, scenario, generation, principal); the secret access key and
any session token are HMACs of it under a key derived from SECRET_KEY, so the server can
recompute them to check a signature and show them to their learner, and a database dump
reveals none. Reset bumps the lab's generation: every old key stops working at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kmslab.endpoint.models import AccessKey, Lab
from scenarios.models import Scenario
from kmslab.lab.spec import ScenarioSpec

SOURCE = "role-source"  # the source profile of a role profile: may only call sts:AssumeRole
SESSION_SECONDS = (900, 43200)  # AWS: AssumeRole DurationSeconds 900 .. MaxSessionDuration (12 h)


def _root_key() -> bytes:
    return hashlib.sha256(b"kmslab-endpoint-credentials\0" + settings.SECRET_KEY.encode()).digest()


def derive(purpose: str, *parts: str) -> bytes:
    """32 bytes bound to `purpose` and `parts` under SECRET_KEY (HMAC-SHA256)."""
    msg = "\0".join((purpose, *parts)).encode("utf-8", "surrogatepass")
    return hmac.new(_root_key(), msg, hashlib.sha256).digest()


def _b32(data: bytes, n: int) -> str:
    return base64.b32encode(data).decode()[:n]


def secret_for(ak: AccessKey) -> str:
    return base64.b64encode(derive("secret", ak.access_key_id, str(ak.lab_id), str(ak.generation))).decode()[:40]


def token_for(ak: AccessKey) -> str:
    return "KmsLab/" + base64.b64encode(derive("session-token", ak.access_key_id, str(ak.lab_id))).decode()


def check_token(ak: AccessKey, given: str) -> bool:
    return hmac.compare_digest(token_for(ak).encode(), given.encode("utf-8", "replace"))


@dataclass(frozen=True, slots=True)
class Profile:
    name: str  # kmslab-bob
    principal: str
    kind: str  # user | role | role-source
    access_key_id: str = ""
    secret: str = ""
    role_arn: str = ""
    session_name: str = ""
    source_profile: str = ""


def lab_for(learner_key: str, scenario: Scenario) -> Lab:
    lab, _ = Lab.objects.get_or_create(learner_key=learner_key[:120], scenario=scenario)
    return lab


def _key_id(lab: Lab, principal: str, kind: str) -> str:
    return "AKIA" + _b32(derive("access-key-id", str(lab.pk), str(lab.generation), principal, kind), 16)


def profiles(lab: Lab, spec: ScenarioSpec) -> list[Profile]:
    """One profile per user, root or role of the scenario (roles: role_arn + a source profile),
    creating their access keys on first use."""
    out: list[Profile] = []
    for p in spec.principals:
        if p.type not in ("user", "root", "role"):
            continue  # a service principal calls as itself, never with keys
        kind = SOURCE if p.type == "role" else "user"
        ak, _ = AccessKey.objects.get_or_create(
            access_key_id=_key_id(lab, p.name, kind),
            defaults={"lab": lab, "generation": lab.generation, "principal": p.name, "kind": kind},
        )
        if p.type == "role":
            source = f"kmslab-{p.name}-source"
            out.append(Profile(f"kmslab-{p.name}", p.name, "role", role_arn=p.arn,
                               session_name=p.session or "kmslab", source_profile=source))
            out.append(Profile(source, p.name, SOURCE, ak.access_key_id, secret_for(ak)))
        else:
            out.append(Profile(f"kmslab-{p.name}", p.name, "user", ak.access_key_id, secret_for(ak)))
    return out


def config_text(profiles_: list[Profile], *, region: str, endpoint_url: str, slug: str) -> str:
    lines = [
        f"# KMS Lab: AWS CLI / boto3 profiles for the scenario `{slug}`.",
        "# These keys work only against this lab and only for you; Reset on the scenario page",
        "# replaces them. Use with:  export AWS_CONFIG_FILE=$PWD/kmslab-aws-config",
        "",
    ]
    for pr in profiles_:
        lines += [f"[profile {pr.name}]", f"region = {region}", f"endpoint_url = {endpoint_url}"]
        if pr.kind == "role":
            lines += [f"role_arn = {pr.role_arn}", f"source_profile = {pr.source_profile}",
                      f"role_session_name = {pr.session_name}"]
        else:
            lines += [f"aws_access_key_id = {pr.access_key_id}", f"aws_secret_access_key = {pr.secret}"]
        lines += ["s3 =", "    addressing_style = path", ""]
    return "\n".join(lines)


def issue_session(source: AccessKey, session_name: str, seconds: int) -> tuple[AccessKey, datetime]:
    now = timezone.now()
    AccessKey.objects.filter(lab_id=source.lab_id, kind="session", expires_at__lt=now).delete()  # expired sessions
    expires = now + timedelta(seconds=seconds)
    ak = AccessKey.objects.create(
        access_key_id="ASIA" + _b32(os.urandom(10), 16), lab_id=source.lab_id, generation=source.generation,
        principal=source.principal, kind="session", session_name=session_name, expires_at=expires,
    )
    return ak, expires


def reset(lab: Lab) -> Lab:
    """New keys and an empty lab: bump the generation, drop every key and resource."""
    with transaction.atomic():
        locked = Lab.objects.select_for_update().get(pk=lab.pk)
        locked.generation += 1
        locked.bytes_stored = 0
        locked.save(update_fields=["generation", "bytes_stored"])
        for related in (locked.access_keys, locked.stored_objects, locked.uploads, locked.grants, locked.key_states,
                        locked.volumes, locked.snapshots, locked.calls):
            related.all().delete()
    return locked


def reset_learner(learner_key: str, scenario: Scenario) -> bool:
    """Reset the learner's lab of `scenario` (the scenario page's Reset); False when they have none."""
    lab = Lab.objects.filter(learner_key=learner_key[:120], scenario=scenario).first()
    if lab is None:
        return False
    reset(lab)
    return True
