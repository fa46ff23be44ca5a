"""The runner: the learner's documents in, a RunResult out; every verdict from the engine."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from kmslab.iam.decision import Gate, Verdict
from kmslab.iam.policy import Effect
from kmslab.lab.load import load_spec, spec_from_dict
from kmslab.lab.result import Outcome, RunResult
from kmslab.lab.run import run_scenario
from kmslab.lab.spec import ScenarioSpec
from tests.lab.builders import DATA_DIR, KEY_ARN, SHIPPED, make_scenario

UPLOAD = load_spec(DATA_DIR / "01-s3-cross-account-upload.toml")
DOWNLOAD = load_spec(DATA_DIR / "04-cross-account-download.toml")
TRAP = load_spec(DATA_DIR / "03-aws-managed-key-trap.toml")
GUARD = load_spec(DATA_DIR / "06-guardrail-explicit-deny.toml")
GRANTS = load_spec(DATA_DIR / "07-grants-temporary-decrypt.toml")


def with_statement(text: str, statement: dict[str, Any]) -> str:
    doc = json.loads(text)
    doc["Statement"].append(statement)
    return json.dumps(doc, indent=2)


def test_missing_documents_run_with_the_starting_text() -> None:
    empty = run_scenario(UPLOAD, {})
    explicit = run_scenario(UPLOAD, UPLOAD.starting_documents())
    assert [d.text for d in empty.documents] == [d.text for d in explicit.documents]
    assert empty.summary() == explicit.summary()


@pytest.mark.parametrize("value", [None, 42, ["a"], {"x": 1}], ids=["none", "number", "list", "dict"])
def test_non_text_document_values_fall_back_to_starting_text(value: object) -> None:
    result = run_scenario(UPLOAD, {"iam_policy": value})  # type: ignore[dict-item]
    assert result.document("iam_policy").text == UPLOAD.document("iam_policy").text  # type: ignore[union-attr]
    assert result.outcome == "failure"


def test_non_mapping_documents_are_treated_as_none_given() -> None:
    assert run_scenario(UPLOAD, "garbage").outcome == "failure"  # type: ignore[arg-type]


def test_invalid_json_makes_the_run_invalid_without_steps() -> None:
    result = run_scenario(UPLOAD, {"iam_policy": '{\n  "Version": "2012-10-17",\n  "Statement": [\n'})
    assert result.outcome == "invalid" and result.steps == () and not result.solved
    doc = result.document("iam_policy")
    assert doc is not None and not doc.ok
    assert doc.findings[0].code == "invalid-json" and doc.findings[0].span.line >= 3
    assert all(not o.met and o.detail.startswith("not checked") for o in result.objectives)
    assert result.summary()["errors"] == ["iam_policy: invalid-json"]


def test_unknown_action_is_an_error_finding_with_a_suggestion() -> None:
    text = with_statement(UPLOAD.solution["iam_policy"], {"Effect": "Allow", "Action": "kms:GenerateDataKee", "Resource": KEY_ARN})
    result = run_scenario(UPLOAD, {"iam_policy": text})
    finding = next(f for f in result.document("iam_policy").findings if f.is_error)  # type: ignore[union-attr]
    assert result.outcome == "invalid"
    assert "kms:GenerateDataKey" in finding.hint


def test_oversized_document_is_refused_in_place() -> None:
    result = run_scenario(UPLOAD, {"key_policy": " " * 70_000 + "{}"})
    assert result.outcome == "invalid"
    assert result.document("key_policy").findings[0].code == "document-too-large"  # type: ignore[union-attr]


def test_read_only_documents_cannot_be_replaced_by_the_learner() -> None:
    result = run_scenario(UPLOAD, {**UPLOAD.solution, "bucket_policy": '{"Statement": []}'})
    assert result.document("bucket_policy").text == UPLOAD.document("bucket_policy").text  # type: ignore[union-attr]
    assert result.solved


def test_starting_upload_shows_the_kms_call_denied_by_the_key_policy() -> None:
    step = run_scenario(UPLOAD, {}).steps[0]
    s3, kms = step.calls
    assert (s3.action, kms.action) == ("s3:PutObject", "kms:GenerateDataKey")
    assert kms.via_service == "s3.us-east-1.amazonaws.com"
    assert kms.encryption_context == (("aws:s3:arn", "arn:aws:s3:::account-a-reports/report.csv"),)
    assert kms.decision is not None and kms.decision.verdict is Verdict.IMPLICITLY_DENIED
    assert kms.error_code == "AccessDeniedException" and step.focus is kms
    assert {g.gate: g.verdict for g in kms.decision.gates}[Gate.KEY_POLICY] is Verdict.IMPLICITLY_DENIED
    assert "because no resource-based policy allows the kms:GenerateDataKey action" in step.error_message
    assert step.explanation[0].citation.startswith("https://docs.aws.amazon.com/")


def test_deciding_statements_point_at_their_lines_in_the_learners_document() -> None:
    step = run_scenario(UPLOAD, dict(UPLOAD.solution)).steps[0]
    refs = {r.document: r for r in step.deciding}
    key_ref = refs["key_policy"]
    lines = UPLOAD.solution["key_policy"].splitlines()
    statement = key_ref.result.statement
    assert statement.label == "AllowAccountBToGenerateDataKeys" and statement.effect is Effect.ALLOW
    block = "\n".join(lines[statement.span.line - 1: statement.span.end_line])
    assert '"Sid": "AllowAccountBToGenerateDataKeys"' in block
    assert refs["iam_policy"].result.statement.label == "UseAccountAReportsKey"


@pytest.mark.parametrize("spec", [UPLOAD, DOWNLOAD], ids=["upload", "download"])
def test_applying_the_engines_fixes_solves_the_handshake(spec: ScenarioSpec) -> None:
    docs: dict[str, str] = {}
    gates = []
    for _ in range(3):
        result = run_scenario(spec, docs)
        if result.outcome == "success":
            break
        fix = result.failing_step.fix  # type: ignore[union-attr]
        assert fix is not None and fix.fix is not None and fix.applicable and not fix.fix.risky
        gates.append(fix.fix.gate)
        docs[fix.document] = fix.new_text
    assert result.solved, result.summary()
    assert gates == ["key-policy", "iam-policy"]


def test_cloudtrail_second_fix_extends_the_source_arn_condition() -> None:
    # Two trails, one statement: the second Apply fix adds the second trail to the first statement's
    # aws:SourceArn list, is not flagged broader than needed, and the stray trail stays refused.
    spec = load_spec(DATA_DIR / "08-centralized-cloudtrail.toml")
    docs: dict[str, str] = {}
    for _ in range(3):
        result = run_scenario(spec, docs)
        if result.outcome == "success":
            break
        fix = result.failing_step.fix  # type: ignore[union-attr]
        assert fix is not None and fix.applicable and fix.fix is not None and not fix.fix.risky and not fix.fix.warning
        docs[fix.document] = fix.new_text
    assert result.solved, result.summary()
    statements = json.loads(docs["key_policy"])["Statement"]
    service = [s for s in statements if s.get("Principal") == {"Service": "cloudtrail.amazonaws.com"}]
    assert len(service) == 1 and len(service[0]["Condition"]["StringEquals"]["aws:SourceArn"]) == 2


SAME_ACCOUNT = load_spec(DATA_DIR / "05-same-account-no-root-statement.toml")


def test_same_account_naming_alice_works_but_does_not_solve() -> None:
    # The scenario teaches that IAM policies take effect only once the key policy enables them:
    # naming alice in the key policy makes both steps work and leaves her IAM policy ignored.
    kp = json.loads(SAME_ACCOUNT.document("key_policy").text)
    kp["Statement"].append({"Sid": "Alice", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:user/alice"},
                            "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"})
    result = run_scenario(SAME_ACCOUNT, {"key_policy": json.dumps(kp)})
    assert result.outcome == "success" and not result.solved
    objective = next(o for o in result.objectives if o.id == "iam-policy-takes-effect")
    assert not objective.met and "still ignored" in objective.detail


def test_same_account_one_apply_fix_enables_iam_policies_and_solves() -> None:
    fix = run_scenario(SAME_ACCOUNT, {}).failing_step.fix  # type: ignore[union-attr]
    assert fix is not None and fix.applicable and fix.fix is not None and "enables IAM policies" in fix.fix.summary
    result = run_scenario(SAME_ACCOUNT, {fix.document: fix.new_text})
    assert result.solved, result.summary()
    assert all(not any("is ignored" in e.text for e in s.explanation) for s in result.steps)


def test_sse_s3_upload_works_but_misses_the_customer_managed_key_objective() -> None:
    enc = '{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}'
    result = run_scenario(TRAP, {"bucket_encryption": enc})
    assert result.outcome == "success" and not result.solved
    assert not next(o for o in result.objectives if o.id == "customer-managed-key").met


def test_aws_managed_key_cannot_be_fixed_by_any_policy() -> None:
    everything = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "kms:*"], "Resource": "*"}]})
    result = run_scenario(TRAP, {"iam_policy": everything})
    step = result.failing_step
    assert step is not None and step.index == 1 and step.failing_gate == "key-policy"
    assert step.calls[-1].resource != "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert step.fix is not None and not step.fix.possible and "AWS managed" in step.fix.reason
    assert not next(o for o in result.objectives if o.id == "customer-managed-key").met


def test_bucket_encryption_key_by_alias_warns_and_resolves_in_the_uploaders_account() -> None:
    enc = '{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/drop-key"}}]}'
    result = run_scenario(TRAP, {"bucket_encryption": enc})
    assert [f.code for f in result.document("bucket_encryption").findings] == ["use-key-arn"]  # type: ignore[union-attr]
    step = result.failing_step
    assert step is not None and "111111111111" in step.error_message  # looked up in bob's account


@pytest.mark.parametrize(("text", "code"), [
    ('{"Rules": []}', "missing-rules"),
    ('{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kmz"}}]}', "invalid-sse-algorithm"),
    ('{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "x"}}]}', "key-with-sse-s3"),
    ("[1, 2]", "wrong-type"),
    ('{"Rules": [', "invalid-json"),
], ids=["no-rules", "bad-algorithm", "key-with-sse-s3", "not-object", "bad-json"])
def test_bucket_encryption_errors_are_findings(text: str, code: str) -> None:
    result = run_scenario(TRAP, {"bucket_encryption": text})
    assert result.outcome == "invalid"
    assert code in [f.code for f in result.document("bucket_encryption").findings]  # type: ignore[union-attr]


@pytest.mark.parametrize(("change", "code", "hint"), [
    ({"Operations": ["Decript"]}, "invalid-grant-operation", "did you mean `Decrypt`?"),
    ({"Operations": []}, "missing-operations", 'e.g. ["Decrypt"]'),
    ({"Constraints": {"EncryptionContextEquals": {"a": "b"}, "EncryptionContextSubset": {"a": "b"}}}, "both-constraints", ""),
    ({"Constraints": {"EncryptionContextSubsets": {"a": "b"}}}, "unknown-constraint", "did you mean `EncryptionContextSubset`?"),
    ({"GranteePrincipal": 7}, "missing-grantee", ""),
    ({"Constraints": {}}, "empty-constraints", ""),
    ({"Constraints": {"EncryptionContextSubset": {}}}, "empty-constraints", ""),
    ({"RetiringPrinciple": "x"}, "unknown-element", "did you mean `RetiringPrincipal`?"),
], ids=["misspelt-op", "no-ops", "both-constraints", "unknown-constraint", "grantee-type", "empty-constraints",
        "empty-subset", "misspelt-field"])
def test_grant_request_errors_are_findings(change: dict[str, Any], code: str, hint: str) -> None:
    request = {**json.loads(GRANTS.solution["grant_request"]), **change}
    result = run_scenario(GRANTS, {"grant_request": json.dumps(request, indent=2)})
    finding = next(f for f in result.document("grant_request").findings if f.code == code)  # type: ignore[union-attr]
    assert result.outcome == "invalid" and finding.hint == hint


def test_grant_without_constraint_lets_the_payroll_record_through() -> None:
    request = json.loads(GRANTS.solution["grant_request"])
    del request["Constraints"]
    result = run_scenario(GRANTS, {"grant_request": json.dumps(request)})
    step = result.failing_step
    assert step is not None and step.index == 5 and step.outcome == "success" and step.expect == "failure"
    assert all(s.outcome == "skipped" for s in result.steps[5:])


def test_grant_without_retiring_principal_cannot_be_retired_by_the_app() -> None:
    request = json.loads(GRANTS.solution["grant_request"])
    del request["RetiringPrincipal"]
    step = run_scenario(GRANTS, {"grant_request": json.dumps(request)}).failing_step
    assert step is not None and step.index == 6 and step.error_code == "AccessDeniedException"


def test_each_run_builds_a_fresh_world() -> None:
    run_scenario(GRANTS, dict(GRANTS.solution))  # creates (and retires) a grant
    again = run_scenario(GRANTS, {})
    assert again.failing_step is not None and again.failing_step.index == 4


def _ids_shown(result: RunResult) -> list[object]:
    return [(c.resource, c.error_message, s.error_message, s.fix.fix.summary if s.fix and s.fix.fix else "")
            for s in result.steps for c in s.calls]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_two_runs_show_the_same_ids(path: Path) -> None:
    spec = load_spec(path)
    # Each run builds a new world: the AWS managed key aws/s3, snapshot, volume and grant ids a
    # learner reads (and may type into a document) must not change between clicks.
    for docs in ({}, dict(spec.solution)):
        assert _ids_shown(run_scenario(spec, docs)) == _ids_shown(run_scenario(spec, docs))


def test_aws_managed_key_keeps_its_id_between_runs() -> None:
    first, again = (run_scenario(TRAP, {}).failing_step for _ in range(2))
    assert first is not None and again is not None
    assert ":key/" in first.calls[-1].resource and first.calls[-1].resource == again.calls[-1].resource


def test_removing_the_guardrail_fails_the_scenario() -> None:
    key_policy = json.loads(GUARD.solution["key_policy"])
    key_policy["Statement"] = [s for s in key_policy["Statement"] if s.get("Effect") != "Deny"]
    result = run_scenario(GUARD, {**GUARD.solution, "key_policy": json.dumps(key_policy, indent=2)})
    assert result.outcome == "failure"
    assert result.failing_step.index == 2 and result.failing_step.outcome == "success"  # type: ignore[union-attr]
    assert not next(o for o in result.objectives if o.id == "guardrail-kept").met


def test_learners_explicit_deny_is_reported_with_a_risky_fix_warning() -> None:
    iam = with_statement(UPLOAD.solution["iam_policy"], {"Sid": "NoKms", "Effect": "Deny", "Action": "kms:*", "Resource": "*"})
    step = run_scenario(UPLOAD, {**UPLOAD.solution, "iam_policy": iam}).failing_step
    assert step is not None and step.failing_gate == "iam-policy"
    assert step.calls[-1].decision is not None and step.calls[-1].decision.verdict is Verdict.EXPLICITLY_DENIED
    assert [(d.document, d.result.statement.label, d.result.statement.effect) for d in step.deciding] == [
        ("iam_policy", "NoKms", Effect.DENY)]
    assert step.fix is not None and step.fix.fix is not None and step.fix.fix.risky and step.fix.fix.warning


def test_trail_logs_denied_call_in_callers_account_and_allowed_in_both() -> None:
    start = {t.account: t for t in run_scenario(UPLOAD, {}).trail}
    records = [e.record for e in start["111111111111"].records]
    assert [(r["eventName"], r["errorCode"]) for r in records] == [("GenerateDataKey", "AccessDeniedException")]
    assert start["111111111111"].label == "Account B"
    solved = {t.account: t for t in run_scenario(UPLOAD, dict(UPLOAD.solution)).trail}
    assert "GenerateDataKey" in [e.record["eventName"] for e in solved["222222222222"].records]
    assert "GenerateDataKey" in [e.record["eventName"] for e in solved["111111111111"].records]


def test_envelope_facts_report_the_encryption_that_happened() -> None:
    put, get = run_scenario(UPLOAD, dict(UPLOAD.solution)).steps
    body = UPLOAD.steps[0].params["Body"]
    assert put.envelope is not None and put.envelope.data_key_bytes == 32
    assert put.envelope.plaintext_bytes == len(str(body).encode())
    assert put.envelope.ciphertext_bytes > put.envelope.plaintext_bytes
    assert get.envelope is not None and get.envelope.decrypt_ok is True


def test_summary_is_json_serialisable_and_names_the_failure() -> None:
    result = run_scenario(UPLOAD, {})
    summary = json.loads(json.dumps(result.summary()))
    assert summary["failing_step"] == 1 and summary["failing_gate"] == "key-policy"
    assert summary["error_code"] == "AccessDenied"


def test_step_reference_to_a_missing_output_is_a_clear_step_error() -> None:
    d = make_scenario()
    d["documents"][0]["text"] = with_statement(d["documents"][0]["text"], {
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:Encrypt", "Resource": "*"})
    d["documents"][1]["text"] = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": KEY_ARN}]})
    d["steps"].append({"title": "decrypt", "caller": "bob", "service": "kms", "operation": "Decrypt",
                       "params": {"CiphertextBlob": "$step1.Nope"}})
    result = run_scenario(spec_from_dict(d), {})
    assert result.steps[0].outcome == "success"
    assert (result.steps[1].error_code, result.steps[1].error_message) == ("ScenarioError", "step 1 did not return `Nope`")


def test_result_values_are_frozen() -> None:
    result: RunResult = run_scenario(UPLOAD, {})
    with pytest.raises(AttributeError):
        result.outcome = Outcome.SUCCESS  # type: ignore[misc]


PURE = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "kmslab" / "lab").glob("*.py"))
ENGINE = {"kmslab.kms.authorize", "kmslab.iam.authorize", "kmslab.iam.evaluate", "kmslab.iam.conditions"}


@pytest.mark.parametrize("module", PURE)
def test_runner_modules_import_no_django_and_no_second_decision_path(module: str) -> None:
    path = Path(__file__).resolve().parents[2] / "kmslab" / "lab" / f"{module}.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not {m for m in imported if m.split(".")[0] == "django"}
    assert not imported & ENGINE, "decisions come from the world, which calls the engine"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_result_carries_simulation_notes(path: Path) -> None:
    result = run_scenario(load_spec(path), {})
    assert result.notes and all(n.startswith("Simulated:") for n in result.notes)


def test_grant_including_retire_grant_is_an_accepted_alternative_to_a_retiring_principal() -> None:
    request = json.loads(GRANTS.solution["grant_request"])
    del request["RetiringPrincipal"]
    request["Operations"] = ["Decrypt", "RetireGrant"]
    # AWS: the grantee may retire a grant that allows RetireGrant
    # (https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html)
    assert run_scenario(GRANTS, {"grant_request": json.dumps(request)}).solved


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
STATEMENT_KEYS = st.sampled_from(["Effect", "Principal", "Action", "Resource", "Condition", "Sid", "NotAction"])
POLICY_LIKE = st.builds(
    lambda stmts: json.dumps({"Version": "2012-10-17", "Statement": stmts}),
    st.lists(st.dictionaries(STATEMENT_KEYS, JSON, max_size=5), max_size=3),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(["key_policy", "iam_policy"]), text=st.text(max_size=200) | JSON.map(json.dumps) | POLICY_LIKE)
def test_any_learner_text_gives_a_result_never_an_exception(name: str, text: str) -> None:
    result = run_scenario(UPLOAD, {name: text})
    assert result.outcome in ("success", "failure", "invalid")
    json.dumps(result.summary())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=120) | JSON.map(json.dumps))
def test_any_grant_request_or_encryption_text_gives_a_result(text: str) -> None:
    assert run_scenario(GRANTS, {"grant_request": text}).outcome in ("success", "failure", "invalid")
    assert run_scenario(TRAP, {"bucket_encryption": text}).outcome in ("success", "failure", "invalid")


def test_s3_side_denial_blames_the_iam_policy_and_its_fix_solves_it() -> None:
    iam = json.loads(UPLOAD.solution["iam_policy"])
    iam["Statement"] = [s for s in iam["Statement"] if s["Action"] != "s3:PutObject"]
    result = run_scenario(UPLOAD, {**UPLOAD.solution, "iam_policy": json.dumps(iam, indent=2)})
    step = result.failing_step
    assert step is not None and step.index == 1 and len(step.calls) == 1  # S3 refused before any KMS call
    assert step.failing_gate == "iam-policy" and step.calls[0].action == "s3:PutObject"
    assert step.fix is not None and step.fix.applicable
    assert run_scenario(UPLOAD, {**UPLOAD.solution, "iam_policy": step.fix.new_text}).solved


def test_a_run_is_kept_for_the_same_documents_and_never_shared_across_texts_or_scenarios(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kmslab.lab import run as run_module

    monkeypatch.setattr(run_module, "_RUNS", {})
    monkeypatch.setattr(run_module, "_RUNS_MAX", 3)
    docs = dict(UPLOAD.solution)
    first = run_scenario(UPLOAD, docs)
    assert run_scenario(UPLOAD, dict(docs)) is first  # the same text: the kept run
    assert first.solved
    edited = docs | {"iam_policy": docs["iam_policy"].replace('"Allow"', '"Deny"', 1)}
    other = run_scenario(UPLOAD, edited)
    assert other is not first and not other.solved  # one character apart: its own run
    assert run_scenario(DOWNLOAD, docs).slug == DOWNLOAD.slug  # another scenario never gets UPLOAD's run
    run_scenario(UPLOAD, docs | {"key_policy": docs["key_policy"] + " "})
    assert len(run_module._RUNS) == 1  # bounded: full, it was emptied and holds the newest run
    assert run_scenario(UPLOAD, docs) is not first and run_scenario(UPLOAD, docs).solved
