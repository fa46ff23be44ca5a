"""Stage 5 of the pipeline, run steps: each step's call made in the built world, and what it means.

Responsible for dispatching a step to the simulated service (with its parameters resolved),
and for reading what came back: the call chain (the world's `CallRecord`s as they are), the
call that decided the step, the gate to blame, the engine's explanation and smallest fix (applied
to the learner's text), the envelope facts, and the CloudTrail records of the run by account.
`run_step` makes one call: a persistent world can call it step by step.
Must not: import Django or decide access: every verdict comes from the world's engine calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kmslab.iam.decision import Decision, DenyReason, Gate, Verdict
from kmslab.aws.chain import ServiceResult
from kmslab.kms.calls import CallRecord
from kmslab.kms.errors import AWSError
from kmslab.kms.explain import Sentence, explain
from kmslab.kms.fix import apply_fix, suggest_fix
from kmslab.kms.keys import KeyManager
from kmslab.kms.trail import TrailEvent
from kmslab.lab.build import Lab
from kmslab.lab.params import UnresolvedParam, resolve
from kmslab.lab.result import AccountTrail, EnvelopeFacts, FixOffer, Outcome, StepResult
from kmslab.lab.spec import Expect, Step

SKIPPED_WHY = "an earlier step did not go as expected"


def run_steps(lab: Lab) -> tuple[StepResult, ...]:
    """Every step of the spec in order; after one that did not go as expected, the rest are skipped."""
    steps: list[StepResult] = []
    stop = False
    for i, step in enumerate(lab.spec.steps, start=1):
        if stop:
            steps.append(StepResult(i, step.title, step.caller, step.service, step.operation, step.expect,
                                    Outcome.SKIPPED, why=SKIPPED_WHY))
            lab.outputs.append(None)
            continue
        result = run_step(lab, i, step)
        steps.append(result)
        stop = not result.as_expected
    return tuple(steps)


def run_step(lab: Lab, index: int, step: Step) -> StepResult:
    """Make one step's call in the lab's world (its response is kept for later `$stepN` references)."""
    caller = lab.callers[step.caller]

    def result(outcome: Outcome, **fields: object) -> StepResult:
        return StepResult(index, step.title, step.caller, step.service, step.operation, step.expect, outcome,
                          why=step.why, **fields)  # type: ignore[arg-type]

    try:
        params = resolve(step.params, lab.outputs, lab.docs)
        called = _dispatch(lab, step, caller, params)
    except UnresolvedParam as exc:
        lab.outputs.append(None)
        return result(Outcome.FAILURE, error_code="ScenarioError", error_message=str(exc), error_matches=False)
    except AWSError as exc:  # raised outside a traced call (e.g. an unknown bucket at set-up)
        lab.outputs.append(None)
        return result(Outcome.FAILURE, error_code=exc.code, error_message=exc.message,
                      error_matches=not step.expect_error or exc.code == step.expect_error)
    lab.outputs.append(called.response)
    focus = focus_call(called.calls, caller)
    decision = focus.decision if focus is not None else None
    ok = called.ok
    codes = {called.error.code} if called.error else set()
    codes |= {c.error_code for c in called.calls if c.error_code}
    unexpected_failure = not ok and step.expect is Expect.SUCCESS
    return result(
        Outcome.SUCCESS if ok else Outcome.FAILURE,
        calls=called.calls,
        error_code=called.error.code if called.error else "",
        error_message=called.error.message if called.error else "",
        failing_gate=(failing_gate(decision, grants_editable=bool(lab.index.grant_doc))
                      if decision is not None and not ok else None),
        focus=focus,
        deciding=tuple(lab.index.locate(decision, r) for r in decision.determining) if decision is not None else (),
        explanation=explanation(decision) if decision is not None else (),
        fix=fix_offer(lab, decision) if unexpected_failure and decision is not None and not decision.allowed else None,
        envelope=_envelope(lab, step, params, called),
        error_matches=ok or not step.expect_error or step.expect_error in codes,
    )


def focus_call(calls: tuple[CallRecord, ...], caller: str = "") -> CallRecord | None:
    """The call whose decision explains a step: the last failing call, else the last authorized
    KMS call made as the step's caller (`caller`, or the first call's), else the last authorized
    KMS call (the deepest: the KMS call a service made, not its relay). A Decrypt that EC2 makes
    under a grant is not the handshake the step teaches."""
    failing = next((c for c in reversed(calls) if c.error_code), None)
    if failing is not None:
        return failing
    kms = [c for c in calls if c.service == "kms" and c.decision is not None]
    who = caller or (calls[0].caller if calls else "")
    own = [c for c in kms if c.caller == who]
    pool = own or kms
    return pool[-1] if pool else None


# ------------------------------------------------------------------------ calls


def _dispatch(lab: Lab, step: Step, caller: str, p: Mapping[str, object]) -> ServiceResult:
    w = lab.world
    op = step.operation
    if step.service == "kms":
        traced = w.kms.call_traced(caller, op, p)
        return ServiceResult("kms", op, traced.response, traced.error, (traced.record,))
    if step.service == "s3":
        bucket, key = str(p.get("Bucket", "")), str(p.get("Key", ""))
        if op == "PutObject":
            body = p.get("Body", b"")
            body = body if isinstance(body, bytes) else str(body).encode()
            lab.bodies[(bucket, key)] = body
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
        trail = next((t for t in lab.spec.trails if t.name == p.get("Trail")), None)
        return w.cloudtrail.deliver(trail.arn if trail else str(p.get("Trail", "")))
    raise UnresolvedParam(f"the simulator has no `{step.service}:{op}` operation")


def _opt(p: Mapping[str, object], name: str) -> str | None:
    v = p.get(name)
    return str(v) if v not in (None, "") else None


# ------------------------------------------------------------------------ what a decision means


def failing_gate(decision: Decision, *, grants_editable: bool = False) -> Gate | None:
    """The gate a learner should look at for a denied decision. The grant gate is blamed only
    when the learner writes the grant (a `grant_request` document) and one for this caller
    existed but did not apply; grants services make for themselves are not the learner's."""
    if decision.allowed:
        return None
    if decision.verdict is Verdict.EXPLICITLY_DENIED and decision.determining:
        return decision.determining[0].gate
    if decision.reason is DenyReason.NO_IDENTITY_POLICY_ALLOWS:
        return Gate.IAM_POLICY
    if decision.reason is DenyReason.NO_RESOURCE_POLICY_ALLOWS:
        if grants_editable and decision.callers_grants():
            return Gate.GRANT  # a grant for this caller existed but did not apply
        for g in decision.gates:
            if g.gate in (Gate.KEY_POLICY, Gate.BUCKET_POLICY):
                return g.gate
    for g in decision.gates:
        if g.counted and not g.verdict.allowed:
            return g.gate
    return decision.gates[0].gate if decision.gates else None


def explanation(decision: Decision) -> tuple[Sentence, ...]:
    try:
        return tuple(explain(decision))
    except Exception as exc:  # explain must never take the page down; report it visibly
        return (Sentence(f"the explanation could not be produced ({type(exc).__name__})", "note"),)


def fix_offer(lab: Lab, decision: Decision) -> FixOffer | None:
    """The engine's smallest fix for a denied decision made in `lab`'s world, applied to the
    learner's text of the editable document it lands in (the step cards' and the real-CLI API
    calls panel's Apply fix)."""
    index = lab.index
    key = lab.world.keys.get(decision.request.resource)
    manager = key.manager.value if key is not None else KeyManager.CUSTOMER.value
    try:
        grant_doc = index.spec.document(index.grant_doc) if index.grant_doc else None
        fix = suggest_fix(decision, key_manager=manager, grant_fixes=grant_doc is not None and grant_doc.editable)
    except Exception as exc:
        return FixOffer(None, reason=f"the fix engine failed ({type(exc).__name__})")
    if fix is None:
        return None
    name = index.editable_document_for(fix.gate, decision) if fix.possible else ""
    new_text = ""
    if name:
        try:
            new_text = apply_fix(lab.texts[name], fix)
        except Exception:
            new_text = ""
    reason = fix.reason
    if fix.possible and not name:
        where = index.spec.document(index.document_for(fix.gate, decision))
        reason = reason or (f"the change belongs in {where.title}, which this scenario does not let you edit"
                            if where else "the change belongs in a document this scenario does not show")
    return FixOffer(fix, name, new_text, reason)


# ------------------------------------------------------------------------ envelope, trail


def _envelope(lab: Lab, step: Step, params: Mapping[str, object], result: ServiceResult) -> EnvelopeFacts | None:
    """What really got encrypted: sizes, and a decrypt check where the run can make one."""
    r = result.response
    if r is None:
        return None
    if step.service == "s3" and r.get("ServerSideEncryption") == "aws:kms":
        bucket, key = str(params.get("Bucket", "")), str(params.get("Key", ""))
        stored = lab.world.s3.buckets[bucket].objects[key]
        original = lab.bodies.get((bucket, key), b"")
        key_arn = str(r.get("SSEKMSKeyId", ""))
        if step.operation == "PutObject":
            return EnvelopeFacts(key_arn, 32, len(original), len(stored.body), None)
        if step.operation == "GetObject":
            body = r.get("Body", b"")
            size = len(body) if isinstance(body, bytes) else 0
            return EnvelopeFacts(key_arn, 32, size, len(stored.body),
                                 None if (bucket, key) not in lab.bodies else body == original)
    if step.service == "kms" and step.operation == "Encrypt":
        blob, text = r.get("CiphertextBlob"), params.get("Plaintext", b"")
        data = text if isinstance(text, bytes) else b""
        if isinstance(blob, bytes):
            lab.plaintexts[blob] = data
            return EnvelopeFacts(str(r.get("KeyId", "")), 0, len(data), len(blob), None, "AES-256-GCM (KMS key)")
    if step.service == "kms" and step.operation == "Decrypt":
        got, blob = r.get("Plaintext"), params.get("CiphertextBlob")
        if isinstance(got, bytes) and isinstance(blob, bytes):
            expected = lab.plaintexts.get(blob)
            return EnvelopeFacts(str(r.get("KeyId", "")), 0, len(got), len(blob),
                                 None if expected is None else got == expected, "AES-256-GCM (KMS key)")
    return None


def trail(lab: Lab) -> tuple[AccountTrail, ...]:
    """The CloudTrail records of the run so far, by the account whose trail received them."""
    by_account: dict[str, list[TrailEvent]] = {a.id: [] for a in lab.spec.accounts}
    for event in lab.world.trail_log:
        by_account.setdefault(event.recipient, []).append(event)
    return tuple(AccountTrail(acct, lab.spec.account_label(acct), tuple(records))
                 for acct, records in by_account.items())


def decisions(steps: tuple[StepResult, ...]) -> Iterator[Decision]:
    """Every decision the steps' calls were given."""
    return (d for s in steps for c in s.calls for d in c.decisions)
