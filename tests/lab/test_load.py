"""Scenario files: every shipped file loads; broken ones fail with one clear line."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

import tomli_w

from kmslab.lab.load import load_spec, spec_from_dict
from kmslab.lab.spec import DocumentKind, ScenarioError
from tests.lab.builders import SHIPPED, make_scenario

REQUIRED_SLUGS = {
    "s3-cross-account-upload", "ebs-snapshot-sharing", "aws-managed-key-trap", "cross-account-download",
    "same-account-no-root-statement", "guardrail-explicit-deny", "grants-temporary-decrypt",
    "centralized-cloudtrail",
}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_loads_with_solution_for_editable_documents(path: Path) -> None:
    spec = load_spec(path)
    assert spec.source == path.name
    assert set(spec.solution) <= {d.name for d in spec.editable}
    assert spec.hints and spec.steps and spec.closing.strip()
    assert f"{spec.lesson}" in spec.closing  # the closing links to its lesson
    for doc in spec.editable:
        assert doc.title and doc.text.strip()


def test_shipped_scenarios_cover_the_issue_list() -> None:
    slugs = {load_spec(p).slug for p in SHIPPED}
    assert REQUIRED_SLUGS <= slugs


def test_shipped_scenarios_have_unique_slugs_and_orders() -> None:
    specs = [load_spec(p) for p in SHIPPED]
    assert len({s.slug for s in specs}) == len(specs)
    assert len({s.order for s in specs}) == len(specs)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_survives_toml_export_round_trip(path: Path) -> None:
    data = tomllib.loads(path.read_text("utf-8"))
    assert tomllib.loads(tomli_w.dumps(data, multiline_strings=True)) == data
    assert spec_from_dict(tomllib.loads(tomli_w.dumps(data, multiline_strings=True))) == spec_from_dict(data)


def test_upload_scenario_names_documents_as_the_editor_expects() -> None:
    spec = load_spec(next(p for p in SHIPPED if "s3-cross-account-upload" in p.name))
    titles = {d.name: d.title for d in spec.editable}
    assert titles == {"key_policy": "Account A key policy", "iam_policy": "Account B IAM policy"}
    assert spec.document("key_policy").kind is DocumentKind.KEY_POLICY  # type: ignore[union-attr]


def test_minimal_scenario_builds_a_spec_with_key_arn() -> None:
    spec = spec_from_dict(make_scenario())
    assert spec.keys[0].arn == "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert spec.starting_documents().keys() == {"key_policy", "iam_policy"}
    assert spec.account_label("111111111111") == "Account B"


def test_role_with_session_calls_as_assumed_role() -> None:
    d = make_scenario()
    d["principals"][0] = {"name": "app", "account": "111111111111", "type": "role",
                          "arn": "arn:aws:iam::111111111111:role/reader", "session": "s1"}
    d["steps"][0]["caller"] = "app"
    spec = spec_from_dict(d)
    assert spec.principals[0].caller_arn == "arn:aws:sts::111111111111:assumed-role/reader/s1"


def _with(path: str, value: Any) -> dict[str, Any]:
    d = make_scenario()
    target: Any = d
    parts = path.split(".")
    for p in parts[:-1]:
        target = target[int(p)] if p.isdigit() else target[p]
    last = parts[-1]
    if value is ...:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return d


BROKEN = [
    ("missing-slug", _with("slug", ...), "slug: missing"),
    ("bad-slug", _with("slug", "Not A Slug"), "lowercase letters"),
    ("bad-account-id", _with("accounts.0.id", "12345"), "not a 12-digit account id"),
    ("unknown-caller", _with("steps.0.caller", "bobb"), "did you mean `bob`"),
    ("unknown-service", _with("steps.0.service", "sqs"), "unknown service `sqs`"),
    ("unknown-kind", _with("documents.0.kind", "key-policy"), "did you mean `key_policy`"),
    ("wrong-type", _with("title", 42), "title: expected text, got a number"),
    ("unknown-doc-ref", _with("keys.0.policy", "key_polcy"), "did you mean `key_policy`"),
    ("policy-not-identity", _with("principals.0.policies", ["key_policy"]), "not an identity policy"),
    ("solution-readonly", _with("solution", {"nope": "{}"}), "unknown editable document `nope`"),
    ("no-solution", _with("solution", {}), "a reference solution is needed"),
    ("start-step-range", _with("start_failure.step", 9), "is not a step number"),
    ("start-gate", _with("start_failure.gate", "door"), "unknown gate `door`"),
    ("unknown-objective", _with("objectives", [{"id": "x", "kind": "magic", "title": "t"}]), "unknown objective kind"),
    ("managed-with-policy", _with("keys.0.managed", "aws/s3"), "policy is fixed by AWS"),
    ("no-steps", _with("steps", []), "steps: at least one entry is needed"),
    ("step-doc-ref", _with("steps.0.params", {"Request": "@ghost"}), "unknown document `ghost`"),
    ("level", _with("level", "expert"), "unknown level `expert`"),
    ("duplicate-doc", _with("documents.1.name", "key_policy"), "`key_policy` is used twice"),
]


@pytest.mark.parametrize(("data", "message"), [(d, m) for _, d, m in BROKEN], ids=[i for i, _, _ in BROKEN])
def test_broken_scenario_raises_scenario_error_with_clear_message(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        spec_from_dict(data, source="broken.toml")
    text = str(info.value)
    assert message in text
    assert text.startswith("`broken.toml`: ")
    assert "\n" not in text


@pytest.mark.parametrize("value", [None, [], "text", 3], ids=["none", "list", "text", "number"])
def test_spec_from_dict_refuses_non_tables(value: object) -> None:
    with pytest.raises(ScenarioError, match="expected a table"):
        spec_from_dict(value)


def test_load_spec_reports_invalid_toml_with_file_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('slug = "x"\ntitle = \n', "utf-8")
    with pytest.raises(ScenarioError, match=r"^`bad.toml`: invalid TOML"):
        load_spec(bad)


def test_load_spec_reports_non_utf8_and_missing_files(tmp_path: Path) -> None:
    bad = tmp_path / "latin.toml"
    bad.write_bytes(b'title = "caf\xe9"\n')
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_spec(bad)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_spec(tmp_path / "absent.toml")


def test_load_spec_refuses_huge_files(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text("x = 1\n" + "# filler\n" * 80_000, "utf-8")
    with pytest.raises(ScenarioError, match="more than"):
        load_spec(big)


def test_spec_from_dict_does_not_change_its_input() -> None:
    d = make_scenario()
    before = copy.deepcopy(d)
    spec_from_dict(d)
    assert d == before


LESSON_INDEX = Path(__file__).resolve().parents[2] / "kmslab" / "lessons" / "content" / "index.toml"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_closing_links_to_an_existing_lesson_page(path: Path) -> None:
    sections = {s["slug"] for s in tomllib.loads(LESSON_INDEX.read_text("utf-8"))["section"]}
    spec = load_spec(path)
    slug = spec.lesson.removeprefix("/lesson/").strip("/")
    assert slug in sections, f"{spec.lesson} is not a lesson page"
