"""What the scenario page shows about the real CLI: commands per step and the API calls panel.

Responsible for turning a scenario's steps into ready-to-paste `aws` and boto3 commands, and a
call's records (the learner's call, then the KMS calls a service made) into plain JSON for the
API calls panel: who, operation, verdict, each gate, the engine's explanation. Never secrets:
no key material, no secret keys, no plaintext or ciphertext.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from django.http import HttpRequest

from kmslab.endpoint.fixes import still_applies
from kmslab.kms.calls import CallRecord
from kmslab.lab.lint import spec_fingerprint
from kmslab.learner import learner_key
from kmslab.rows import get_row
from scenarios import progress
from scenarios.models import Scenario
from kmslab.lab.spec import ScenarioSpec, Step


@dataclass(frozen=True, slots=True)
class StepCommand:
    index: int
    title: str
    cli: str
    boto3: str


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _snake(name: str) -> str:
    return _kebab(name).replace("-", "_")


def _placeholder(value: object) -> object:
    if isinstance(value, str) and value.startswith("$step"):
        n, _, field = value[5:].partition(".")
        return f"<{field} from step {n}>"
    if isinstance(value, str) and value.startswith("@"):
        return f"<the {value[1:]} document>"
    return value


def step_command(spec: ScenarioSpec, i: int, step: Step) -> StepCommand:
    profile = f"kmslab-{step.caller}"
    p = {k: _placeholder(v) for k, v in step.params.items()}
    client = f'boto3.Session(profile_name="{profile}").client("{step.service}")'
    if step.service == "s3" and step.operation in ("PutObject", "GetObject"):
        bucket, key = str(p.get("Bucket", "")), str(p.get("Key", ""))
        if step.operation == "PutObject":
            cli = f"aws --profile {profile} s3 cp {shlex.quote(key.rsplit('/', 1)[-1])} s3://{bucket}/{key}"
            if p.get("ServerSideEncryption"):
                cli += f" --sse {p['ServerSideEncryption']}"
            if p.get("SSEKMSKeyId"):
                cli += f" --sse-kms-key-id {p['SSEKMSKeyId']}"
            extra = "".join(f', {k}="{p[k]}"' for k in ("ServerSideEncryption", "SSEKMSKeyId") if p.get(k))
            py = f'{client}.put_object(Bucket="{bucket}", Key="{key}", Body=open("{key.rsplit("/", 1)[-1]}", "rb"){extra})'
        else:
            cli = f"aws --profile {profile} s3 cp s3://{bucket}/{key} ./{key.rsplit('/', 1)[-1]}"
            py = f'{client}.get_object(Bucket="{bucket}", Key="{key}")["Body"].read()'
        return StepCommand(i, step.title, cli, py)
    args = []
    kwargs = []
    if step.service == "ec2" and step.operation == "CreateVolume":
        args.append("--availability-zone us-east-1a")
        kwargs.append('AvailabilityZone="us-east-1a"')
    if step.service == "ec2" and step.operation == "CopySnapshot":
        args.append(f"--source-region {spec.region}")
        kwargs.append(f'SourceRegion="{spec.region}"')
    for k, v in p.items():
        if isinstance(v, str) and v.startswith("<the ") and step.service == "kms":
            args.append(f"--cli-input-json file://{k.lower()}.json  # {v}")
            kwargs.append(f"**json.load(open('{k.lower()}.json'))")
            continue
        if isinstance(v, bool):
            args.append(f"--{_kebab(k)}" if v else f"--no-{_kebab(k)}")
            kwargs.append(f"{k}={v}")
            continue
        if isinstance(v, list) and all(isinstance(i, str) for i in v):
            args.append(f"--{_kebab(k)} " + " ".join(shlex.quote(i) for i in v))
            kwargs.append(f"{k}={v!r}")
            continue
        if step.service == "kms" and k == "Plaintext":
            args.append(f"--plaintext {shlex.quote(str(v))}")
            kwargs.append(f"Plaintext={str(v).encode()!r}")
        elif step.service == "kms" and k == "CiphertextBlob":
            args.append("--ciphertext-blob fileb://ciphertext.bin")
            kwargs.append("CiphertextBlob=ciphertext")
        elif isinstance(v, (dict, list)):
            args.append(f"--{_kebab(k)} {shlex.quote(json.dumps(v))}")
            kwargs.append(f"{k}={v!r}")
        else:
            args.append(f"--{_kebab(k)} {shlex.quote(str(v))}")
            kwargs.append(f"{k}={str(v)!r}")
    comment = [a for a in args if "  # " in a]
    args = [a for a in args if "  # " not in a] + comment  # a trailing shell comment last
    cli = f"aws --profile {profile} {step.service} {_kebab(step.operation)} " + " ".join(args)
    py = f"{client}.{_snake(step.operation)}({', '.join(kwargs)})"
    return StepCommand(i, step.title, cli.strip(), py)


def commands(spec: ScenarioSpec) -> list[StepCommand]:
    """Commands for the steps a learner can make with the CLI (not those an AWS service makes as itself)."""
    out = []
    for i, s in enumerate(spec.steps, start=1):
        p = spec.principal(s.caller)
        if p is not None and p.type in ("user", "root", "role") and s.service in ("kms", "s3", "ec2"):
            out.append(step_command(spec, i, s))
    return out


def call_detail(calls: tuple[CallRecord, ...], managers: Mapping[str, str] | None = None) -> dict[str, object]:
    """`managers`: key ARN -> KeyManager value, so the fix knows an AWS managed key cannot be shared."""
    from kmslab.kms.explain import explain
    from kmslab.kms.fix import suggest_fix

    rows = []
    for depth, c in enumerate(calls):
        d = c.decision
        sentences: list[str] = []
        fix = ""
        if d is not None:
            try:
                sentences = [s.text for s in explain(d)][:4]
                found = suggest_fix(d, key_manager=(managers or {}).get(d.request.resource, "CUSTOMER"))
                if found is not None:
                    fix = found.summary if found.possible else found.reason
            except Exception:  # the panel must never fail on an explanation
                sentences = sentences or []
        rows.append({
            "service": c.service, "operation": c.operation, "caller": c.caller, "resource": c.resource,
            "via": c.via_service, "depth": 0 if depth == 0 else 1,
            "verdict": d.verdict.value if d is not None else "",
            "gates": [{"gate": g.gate.value, "account": g.account, "verdict": g.verdict.value, "counted": g.counted}
                      for g in (d.gates if d is not None else ())],
            "error_code": c.error_code, "error_message": c.error_message[:500], "explanation": sentences,
            "fix": fix[:500],
        })
    return {"calls": rows}


def recent_calls(lab_id: int | None, limit: int = 20) -> list[Mapping[str, object]]:
    from kmslab.endpoint.models import ApiCall

    if lab_id is None:
        return []
    return list(ApiCall.objects.filter(lab_id=lab_id).values(
        "id", "at", "principal", "caller", "service", "operation", "http_status", "error_code", "error_message", "detail")[:limit])


def panel_context(request: HttpRequest, scenario: Scenario) -> dict[str, object]:
    from kmslab.endpoint.models import Lab

    spec = scenario.spec()
    key = learner_key(request)
    lab = get_row(Lab, learner_key=key[:120], scenario=scenario.pk)  # on every page view: kmslab.rows
    calls = recent_calls(lab.pk if lab else None)
    offers = [c["detail"].get("apply") if isinstance(c["detail"], dict) else None for c in calls]
    if any(offers):  # Apply fix only while the document is still the text the call was decided by
        documents = progress.current_documents(key, scenario)
        calls = [c | {"can_fix": still_applies(o, documents)} if o else c for c, o in zip(calls, offers)]
    return {
        "scenario": scenario, "spec": spec, "commands": commands(spec),
        "spec_key": spec_fingerprint(spec),  # the step commands' cache key (templates/endpoint/_panel.html)
        "profiles": [f"kmslab-{p.name}" for p in spec.principals if p.type in ("user", "root", "role")],
        "endpoint_url": request.build_absolute_uri("/aws"), "calls": calls,
        "has_lab": lab is not None,
    }
