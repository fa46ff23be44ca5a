"""Lint: each document linted once per text; the cache never gives another text's (or another
scenario's) findings."""

from __future__ import annotations

from kmslab.lab.lint import lint_document, lint_documents, spec_fingerprint
from kmslab.lab.load import load_spec
from tests.lab.builders import SHIPPED

UPLOAD = load_spec(SHIPPED[0])


def test_lint_cache_reuses_a_documents_lint_only_for_the_same_text() -> None:
    spec = UPLOAD
    texts = dict(UPLOAD.solution)
    first = lint_documents(spec, texts)
    again = lint_documents(spec, dict(texts))
    assert again["iam_policy"] is first["iam_policy"]
    edited = texts | {"iam_policy": texts["iam_policy"].replace("kms:GenerateDataKey", "kms:GenerateDataKey*", 1)}
    changed = lint_documents(spec, edited)
    assert changed["iam_policy"] is not first["iam_policy"]
    assert changed["iam_policy"].result.text == edited["iam_policy"]
    assert changed["key_policy"] is first["key_policy"]  # the unchanged document is not linted again
    fresh = lint_document(spec, spec.document("iam_policy"), edited["iam_policy"])  # type: ignore[arg-type]
    assert changed["iam_policy"].result.findings == fresh.result.findings


def test_lint_cache_is_per_scenario_content() -> None:
    a, b = UPLOAD, load_spec(SHIPPED[1])
    assert spec_fingerprint(a) != spec_fingerprint(b)
    assert spec_fingerprint(a) == spec_fingerprint(load_spec(SHIPPED[0]))  # equal content, another object
