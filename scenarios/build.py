"""Building the simulated world for one run and making each step's call in it.

Responsible for translating a ScenarioSpec plus the learner's linted documents into
kmslab.aws.world calls (accounts, principals with their identity policies, keys with their key
policies and fixed readable key ids, buckets, trails), dispatching each step to the simulated
service, and turning the services' call chains into StepResults (scenarios.convert does the
decision-to-view part). A fresh world per run; nothing is kept.
Must not: import Django or decide access: every verdict comes from the world's engine calls.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field

from kmslab.iam.arn import key_arn
from kmslab.iam.decision import Decision
from kmslab.iam.policy import Policy
from kmslab.aws.chain import ServiceResult
from kmslab.aws.world import World
from kmslab.kms.calls import CallRecord
from kmslab.kms.errors import AWSError
from kmslab.kms.keys import KeyManager, KmsKey

from scenarios import convert
from scenarios.lintdocs import LintedDoc
from scenarios.params import UnresolvedParam, resolve
from scenarios.runner import AccountTrail, CallView, EnvelopeFacts, FixView, StepResult, TrailRecord
from scenarios.spec import Key, ScenarioSpec, Step

_CREATE_KEY_TAKES_ID = "key_id" in inspect.signature(World.create_key).parameters


@dataclass
class Run:
    """What one run has built so far."""

    spec: ScenarioSpec
    docs: Mapping[str, LintedDoc]
    world: World
    index: convert.DocIndex
    texts: dict[str, str]
    callers: dict[str, str] = field(default_factory=dict)  # principal name -> caller ARN
    labels: dict[str, str] = field(default_factory=dict)  # caller ARN -> label
    outputs: list[Mapping[str, object] | None] = field(default_factory=list)
    plaintexts: dict[bytes, bytes] = field(default_factory=dict)  # ciphertext blob -> plaintext
    bodies: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (bucket, key) -> body


def simulate(spec: ScenarioSpec, docs: Mapping[str, LintedDoc]) -> tuple[tuple[StepResult, ...], tuple[AccountTrail, ...]]:
    run = _build(spec, docs)
    steps: list[StepResult] = []
    stop = False
    for i, step in enumerate(spec.steps, start=1):
        if stop:
            steps.append(StepResult(i, step.title, step.caller, step.service, step.operation, step.expect.value,
                                    "skipped", why="an earlier step did not go as expected"))
            run.outputs.append(None)
            continue
        result = _run_step(run, i, step)
        steps.append(result)
        stop = not result.as_expected
    return tuple(steps), _trail(run)


# ------------------------------------------------------------------------ world


def _policy(docs: Mapping[str, LintedDoc], name: str) -> Policy:
    policy = docs[name].policy
    if policy is None:  # lint found no error yet gave no policy: never expected, refuse clearly
        raise ValueError(f"document `{name}` could not be parsed")
    return policy


def _build(spec: ScenarioSpec, docs: Mapping[str, LintedDoc]) -> Run:
    world = World(region=spec.region)
    run = Run(spec, docs, world, convert.DocIndex.build(spec, docs), {n: d.result.text for n, d in docs.items()})
    for acct in spec.accounts:
        world.add_account(acct.id, acct.label)
    for p in spec.principals:
        policies = [_policy(docs, n) for n in p.policies]
        name = p.arn.rsplit("/", 1)[-1]
        if p.type == "user":
            arn = world.add_user(p.account, name, policies)
        elif p.type == "role":
            arn = world.add_role(p.account, name, policies)
            if p.session:
                arn = world.assume_role(arn, p.session)
        else:  # root is created with its account; a service principal calls as itself
            arn = p.arn
        run.callers[p.name] = arn
        label = p.label or f"{name} ({spec.account_label(p.account)})"
        run.labels[arn] = run.labels[p.arn] = label
    for k in spec.keys:
        _create_key(run, k)
    for b in spec.buckets:
        _create_bucket(run, b.name)
    for t in spec.trails:
        key = spec.key(t.key)
        world.cloudtrail.create_trail(t.account, t.name, bucket=t.bucket, kms_key_id=key.arn if key else t.key)
    return run


def _create_key(run: Run, k: Key) -> KmsKey:
    w = run.world
    if k.managed:
        key = w.managed_key(k.account, f"alias/{k.managed}")
    else:
        text = run.texts[k.policy]
        if _CREATE_KEY_TAKES_ID:
            return w.create_key(k.account, text, key_id=k.key_id, alias=k.alias or None,  # type: ignore[call-arg]
                                description=k.description)
        # The linted Policy goes in as is (the world accepts a Policy wherever it parses text), so
        # the key policy is not parsed a second time; the key keeps the learner's text.
        policy: object = _policy(run.docs, k.policy)
        key = w.create_key(k.account, policy, description=k.description)  # type: ignore[arg-type]
        key.policy_text = text
    # SIMULATION: scenario keys get fixed, readable key ids (so learners can type the key ARN);
    # the world draws random ids, so the key is re-filed under the scenario's id here.
    del w.keys[key.arn]
    key.key_id = k.key_id
    key.arn = key_arn(w.region, k.account, k.key_id, w.partition)
    w.keys[key.arn] = key
    if k.managed:
        w.add_alias(k.account, f"alias/{k.managed}", key)
    elif k.alias:
        w.add_alias(k.account, k.alias, key)
    return key


def _create_bucket(run: Run, name: str) -> None:
    spec, w = run.spec, run.world
    b = next(x for x in spec.buckets if x.name == name)
    sse, kms_key_id, bucket_key = "aws:kms", "", b.bucket_key
    if b.encryption:
        data = run.docs[b.encryption].data
        rule = data["Rules"][0] if isinstance(data, dict) else {}  # shape checked by lint
        default = rule.get("ApplyServerSideEncryptionByDefault", {})
        # SIMULATION: aws:kms:dsse (dual-layer SSE-KMS) is simulated as single-layer aws:kms.
        sse = "AES256" if default.get("SSEAlgorithm") == "AES256" else "aws:kms"
        kms_key_id = str(default.get("KMSMasterKeyID") or "")
        bucket_key = bool(rule.get("BucketKeyEnabled", False))
    elif b.default_key and b.default_key != "aws/s3":
        key = spec.key(b.default_key)
        kms_key_id = key.arn if key else ""
    bucket = w.s3.create_bucket(b.account, name, default_encryption=sse, kms_key_id=kms_key_id, bucket_key=bucket_key)
    if b.policy:
        bucket.policy = _policy(run.docs, b.policy)  # the linted Policy: no second parse
        bucket.policy_text = run.texts[b.policy]


# ------------------------------------------------------------------------ steps


def _dispatch(run: Run, step: Step, caller: str, p: Mapping[str, object]) -> ServiceResult:
    w = run.world
    op = step.operation
    if step.service == "kms":
        traced = w.kms.call_traced(caller, op, p)
        return ServiceResult("kms", op, traced.response, traced.error, (traced.record,))
    if step.service == "s3":
        bucket, key = str(p.get("Bucket", "")), str(p.get("Key", ""))
        if op == "PutObject":
            body = p.get("Body", b"")
            body = body if isinstance(body, bytes) else str(body).encode()
            run.bodies[(bucket, key)] = body
            bk = p.get("BucketKeyEnabled")
            return w.s3.put_object(caller, bucket, key, body, sse=_opt(p, "ServerSideEncryption"),
                                   kms_key_id=_opt(p, "SSEKMSKeyId"), bucket_key=bk if isinstance(bk, bool) else None)
        if op == "GetObject":
            return w.s3.get_object(caller, bucket, key)
    if step.service == "ec2":
        if op == "CreateVolume":
            data = p.get("Data", b"database pages")
            return w.ec2.create_volume(caller, data=data if isinstance(data, bytes) else str(data).encode(),
                                       kms_key_id=_opt(p, "KmsKeyId"), snapshot_id=_opt(p, "SnapshotId"))
        if op == "CreateSnapshot":
            return w.ec2.create_snapshot(caller, str(p.get("VolumeId", "")))
        if op == "ModifySnapshotAttribute":
            ids = p.get("UserIds", [])
            accounts = [str(a) for a in ids] if isinstance(ids, list) else []
            remove = p.get("OperationType") == "remove"
            return w.ec2.modify_snapshot_attribute(caller, str(p.get("SnapshotId", "")),
                                                   add_accounts=() if remove else accounts,
                                                   remove_accounts=accounts if remove else ())
        if op == "CopySnapshot":
            return w.ec2.copy_snapshot(caller, str(p.get("SourceSnapshotId", "")), kms_key_id=_opt(p, "KmsKeyId"))
    if step.service == "cloudtrail" and op in ("DeliverLogs", "DeliverLogFile"):
        trail = next((t for t in run.spec.trails if t.name == p.get("Trail")), None)
        return w.cloudtrail.deliver(trail.arn if trail else str(p.get("Trail", "")))
    raise UnresolvedParam(f"the simulator has no `{step.service}:{op}` operation")


def _opt(p: Mapping[str, object], name: str) -> str | None:
    v = p.get(name)
    return str(v) if v not in (None, "") else None


def _run_step(run: Run, index: int, step: Step) -> StepResult:
    caller = run.callers[step.caller]
    base = dict(index=index, title=step.title, caller=step.caller, service=step.service,
                operation=step.operation, expect=step.expect.value, why=step.why)
    try:
        params = resolve(step.params, run.outputs, run.docs)
        result = _dispatch(run, step, caller, params)
    except UnresolvedParam as exc:
        run.outputs.append(None)
        return StepResult(**base, outcome="failure", error_code="ScenarioError", error_message=str(exc),  # type: ignore[arg-type]
                          error_matches=False)
    except AWSError as exc:  # raised outside a traced call (e.g. an unknown bucket at set-up)
        run.outputs.append(None)
        return StepResult(**base, outcome="failure", error_code=exc.code, error_message=exc.message,  # type: ignore[arg-type]
                          error_matches=not step.expect_error or exc.code == step.expect_error)
    run.outputs.append(result.response)
    calls = tuple(_call_view(run, c, depth=0 if i == 0 else 1) for i, c in enumerate(result.calls))
    failing = next((c for c in reversed(result.calls) if c.error_code), None)
    focus = failing if failing is not None else next(
        (c for c in reversed(result.calls) if c.service == "kms" and c.decision is not None), None)
    decision = focus.decision if focus is not None else None
    ok = result.ok
    codes = {result.error.code} if result.error else set()
    codes |= {c.error_code for c in result.calls if c.error_code}
    unexpected_failure = not ok and step.expect.value == "success"
    return StepResult(
        **base,  # type: ignore[arg-type]
        outcome="success" if ok else "failure",
        calls=calls,
        error_code=result.error.code if result.error else "",
        error_message=result.error.message if result.error else "",
        failing_gate=(convert.failing_gate(decision, grants_editable=bool(run.index.grant_doc))
                      if decision is not None and not ok else ""),
        deciding=convert.deciding(run.index, decision) if decision is not None else (),
        explanation=convert.explanation(decision) if decision is not None else (),
        fix=_fix(run, decision) if unexpected_failure and decision is not None and not decision.allowed else None,
        envelope=_envelope(run, step, params, result),
        error_matches=ok or not step.expect_error or step.expect_error in codes,
    )


def _fix(run: Run, decision: Decision) -> FixView | None:
    key = run.world.keys.get(decision.request.resource)
    manager = key.manager.value if key is not None else KeyManager.CUSTOMER.value
    return convert.fix_view(run.index, decision, run.texts, manager)


def _call_view(run: Run, c: CallRecord, depth: int) -> CallView:
    d = c.decision
    return CallView(
        caller=c.caller, caller_label=run.labels.get(c.caller, c.caller), service=c.service, operation=c.operation,
        resource=c.resource, via_service=c.via_service, encryption_context=c.encryption_context,
        verdict=d.verdict.value if d is not None else "",
        gates=tuple(convert.gate_view(run.index, d, g) for g in d.gates) if d is not None else (),
        deciding=convert.deciding(run.index, d) if d is not None else (),
        error_code=c.error_code, error_message=c.error_message, depth=depth,
        authorizations=tuple((x.request.action, x.request.resource) for x in c.decisions), note=c.note,
    )


def _envelope(run: Run, step: Step, params: Mapping[str, object], result: ServiceResult) -> EnvelopeFacts | None:
    """What really got encrypted: sizes, and a decrypt check where the run can make one."""
    r = result.response
    if r is None:
        return None
    if step.service == "s3" and r.get("ServerSideEncryption") == "aws:kms":
        bucket, key = str(params.get("Bucket", "")), str(params.get("Key", ""))
        stored = run.world.s3.buckets[bucket].objects[key]
        original = run.bodies.get((bucket, key), b"")
        key_arn = str(r.get("SSEKMSKeyId", ""))
        if step.operation == "PutObject":
            return EnvelopeFacts(key_arn, 32, len(original), len(stored.body), None)
        if step.operation == "GetObject":
            body = r.get("Body", b"")
            size = len(body) if isinstance(body, bytes) else 0
            return EnvelopeFacts(key_arn, 32, size, len(stored.body),
                                 None if (bucket, key) not in run.bodies else body == original)
    if step.service == "kms" and step.operation == "Encrypt":
        blob, text = r.get("CiphertextBlob"), params.get("Plaintext", b"")
        data = text if isinstance(text, bytes) else b""
        if isinstance(blob, bytes):
            run.plaintexts[blob] = data
            return EnvelopeFacts(str(r.get("KeyId", "")), 0, len(data), len(blob), None, "AES-256-GCM (KMS key)")
    if step.service == "kms" and step.operation == "Decrypt":
        got, blob = r.get("Plaintext"), params.get("CiphertextBlob")
        if isinstance(got, bytes) and isinstance(blob, bytes):
            expected = run.plaintexts.get(blob)
            return EnvelopeFacts(str(r.get("KeyId", "")), 0, len(got), len(blob),
                                 None if expected is None else got == expected, "AES-256-GCM (KMS key)")
    return None


def _trail(run: Run) -> tuple[AccountTrail, ...]:
    by_account: dict[str, list[TrailRecord]] = {a.id: [] for a in run.spec.accounts}
    for event in run.world.trail_log:
        rec = event.record
        ident = rec.get("userIdentity")
        caller = ""
        if isinstance(ident, Mapping):
            caller = str(ident.get("arn") or ident.get("invokedBy") or "")
        by_account.setdefault(event.recipient, []).append(TrailRecord(
            event_name=str(rec.get("eventName", "")), event_source=str(rec.get("eventSource", "")),
            caller=caller, error_code=str(rec.get("errorCode", "") or ""), record=rec,
        ))
    return tuple(AccountTrail(acct, run.spec.account_label(acct), tuple(records))
                 for acct, records in by_account.items())
