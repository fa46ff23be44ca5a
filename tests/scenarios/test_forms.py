"""The statement builder form and the JSON helpers behind Insert and Format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scenarios.forms import InsertError, StatementBuilderForm, format_json, insert_statement
from kmslab.lab.load import load_spec
from kmslab.lab.spec import ScenarioSpec

DATA = Path(__file__).resolve().parents[2] / "scenarios" / "data"
KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def spec() -> ScenarioSpec:
    return load_spec(DATA / "01-s3-cross-account-upload.toml")


def form(spec: ScenarioSpec, **overrides: object) -> StatementBuilderForm:
    data: dict[str, object] = {
        "sb-document": "key_policy", "sb-effect": "Allow", "sb-principal": "arn:aws:iam::111111111111:root",
        "sb-actions": ["kms:GenerateDataKey"], "sb-resource": "*", "sb-sid": "",
        "sb-condition_operator": "", "sb-condition_key": "", "sb-condition_value": "",
    }
    data.update({f"sb-{k}": v for k, v in overrides.items()})
    return StatementBuilderForm(spec, data, used_actions=frozenset({"kms:GenerateDataKey", "s3:PutObject"}))


@pytest.mark.parametrize(
    ("document", "count"),
    [
        ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}', 2),
        ('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}', 2),
        ('{"Version": "2012-10-17"}', 1),
        ("{}", 1),
    ],
    ids=["list", "single-object", "no-statement", "empty-object"],
)
def test_insert_statement_appends_to_a_statement_list(document: str, count: int) -> None:
    new = {"Sid": "New", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN}
    data = json.loads(insert_statement(document, new))
    assert isinstance(data["Statement"], list) and len(data["Statement"]) == count
    assert data["Statement"][-1] == new
    assert data["Version"] == "2012-10-17"


@pytest.mark.parametrize(
    ("document", "message"),
    [("{oops", "not valid JSON"), ("[1, 2]", "must be a JSON object"), ('{"Statement": 5}', "`Statement` must be"),
     ("[" * 100_000, "not valid JSON")],
    ids=["broken", "array", "statement-number", "deep-nesting"],
)
def test_insert_statement_refuses_documents_it_cannot_extend(document: str, message: str) -> None:
    with pytest.raises(InsertError, match=message):
        insert_statement(document, {"Effect": "Allow"})


def test_format_json_pretty_prints_and_keeps_key_order() -> None:
    assert format_json('{"b":1,"a":[1,2]}') == '{\n  "b": 1,\n  "a": [\n    1,\n    2\n  ]\n}\n'
    with pytest.raises(InsertError, match="nothing was changed"):
        format_json("{")


def test_builder_offers_the_scenarios_accounts_principals_and_keys(spec: ScenarioSpec) -> None:
    f = StatementBuilderForm(spec)
    principals = dict(f.fields["principal"].choices)  # type: ignore[attr-defined]
    assert "arn:aws:iam::111111111111:root" in principals and "arn:aws:iam::222222222222:root" in principals
    assert "arn:aws:iam::111111111111:user/bob" in principals
    assert "*" in principals and "" in principals
    resources = dict(f.fields["resource"].choices)  # type: ignore[attr-defined]
    assert KEY_ARN in resources and "arn:aws:s3:::account-a-reports/*" in resources
    documents = dict(f.fields["document"].choices)  # type: ignore[attr-defined]
    assert documents == {"key_policy": "Account A key policy", "iam_policy": "Account B IAM policy"}


def test_builder_marks_the_actions_the_steps_use_and_lists_them_first(spec: ScenarioSpec) -> None:
    f = form(spec)
    choices = f.fields["actions"].choices  # type: ignore[attr-defined]
    labels = dict(choices)
    assert labels["kms:GenerateDataKey"] == "★ kms:GenerateDataKey"
    assert labels["s3:PutObject"] == "★ s3:PutObject"
    assert labels["kms:Decrypt"] == "kms:Decrypt"
    assert {c[0] for c in choices[:2]} == {"kms:GenerateDataKey", "s3:PutObject"}
    assert len([c for c in choices if c[0].startswith("kms:")]) > 40  # the whole KMS catalog


def test_builder_builds_a_key_policy_statement(spec: ScenarioSpec) -> None:
    f = form(spec)
    assert f.is_valid(), f.errors
    assert f.statement() == {
        "Sid": "AllowGenerateDataKey", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:GenerateDataKey", "Resource": "*",
    }


def test_builder_builds_an_identity_statement_with_a_condition(spec: ScenarioSpec) -> None:
    f = form(spec, document="iam_policy", principal="", effect="Deny", resource=KEY_ARN,
             actions=["kms:Decrypt", "kms:GenerateDataKey"], condition_operator="StringNotEquals",
             condition_key="kms:ViaService", condition_value=" s3.us-east-1.amazonaws.com ")
    assert f.is_valid(), f.errors
    stmt = f.statement()
    assert "Principal" not in stmt
    assert stmt["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert stmt["Condition"] == {"StringNotEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    assert stmt["Sid"] == "DenyDecryptAndMore"


def test_builder_sid_is_made_unique_in_the_document(spec: ScenarioSpec) -> None:
    f = form(spec)
    assert f.is_valid()
    assert f.statement('{"Sid": "AllowGenerateDataKey"}')["Sid"] == "AllowGenerateDataKey2"
    g = form(spec, sid="Mine")
    assert g.is_valid() and g.statement('{"Sid": "Mine"}')["Sid"] == "Mine"  # the learner's own choice stays


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"principal": ""}, "principal"),
        ({"document": "iam_policy", "resource": KEY_ARN}, "principal"),
        ({"condition_key": "kms:ViaService"}, "condition_operator"),
        ({"actions": []}, "actions"),
        ({"actions": ["kms:Bogus"]}, "actions"),
        ({"document": "bucket_policy"}, "document"),
        ({"effect": "Maybe"}, "effect"),
        ({"resource": "arn:aws:kms:us-east-1:999999999999:key/other"}, "resource"),
        ({"actions": ["kms:Decrypt"] * 61}, "actions"),
    ],
    ids=["no-principal", "principal-in-iam", "half-condition", "no-actions", "forged-action", "readonly-document",
         "bad-effect", "forged-resource", "too-many-actions"],
)
def test_builder_rejects_bad_input_on_the_right_field(spec: ScenarioSpec, overrides: dict[str, object], field: str) -> None:
    f = form(spec, **overrides)
    assert not f.is_valid()
    assert field in f.errors


def test_builder_renders_inside_the_page_form_without_its_own_form_tag(spec: ScenarioSpec) -> None:
    from crispy_forms.utils import render_crispy_form

    html = render_crispy_form(StatementBuilderForm(spec))
    assert "<form" not in html
    assert 'name="sb-actions"' in html and 'name="sb-document"' in html
    assert not re.search(r"<(input|select)[^>]*\srequired[\s>=]", html)  # the page form also simulates
