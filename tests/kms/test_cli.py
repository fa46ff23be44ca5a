from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kmslab.kms.cli import decide_line, main, run_authorize
from tests.kms.golden.builders import BOB, KEY

ROOT = Path(__file__).resolve().parents[2]
KP = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                                              "Action": "kms:GenerateDataKey*", "Resource": "*"}]}
IAM = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": KEY}]}


def line(**overrides: object) -> str:
    base: dict[str, object] = {"id": "c1", "principal": BOB, "action": "kms:GenerateDataKey", "resource": KEY,
                               "context": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}, "key_policy": KP,
                               "identity_policies": [IAM]}
    base.update(overrides)
    return json.dumps(base)


def run_cli(stdin: str) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "kmslab.kms", "authorize"], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(x) for x in proc.stdout.splitlines()]


def test_cli_authorize_subprocess_one_line_per_input_in_order() -> None:
    stdin = "\n".join([line(id="a"), "", "not json", line(id="b", identity_policies=[]), "[1, 2]", line(id="c")]) + "\n"
    outs = run_cli(stdin)
    assert [(o["id"], o["decision"]) for o in outs] == [("a", "Allowed"), (None, "Error"), ("b", "ImplicitlyDenied"),
                                                        (None, "Error"), ("c", "Allowed")]
    assert outs[2]["message"].endswith("because no identity-based policy allows the kms:GenerateDataKey action")
    assert outs[2]["explanation"][0] == "denied: no identity-based policy in account 111111111111 allows kms:GenerateDataKey on this key"


BAD = [
    ("missing-principal", {"principal": None}, "`principal` must be a non-empty string"),
    ("bad-principal", {"principal": "bob"}, "`bob` is not a principal ARN"),
    ("alias-resource", {"resource": "arn:aws:kms:us-east-1:222222222222:alias/a"}, "is not a KMS key ARN"),
    ("key-policy-missing", {"key_policy": "absent"}, "`key_policy` must be a JSON object"),
    ("bad-policy", {"key_policy": {"Statement": [{"Effect": "Maybe"}]}}, "`key_policy` is not a valid policy"),
    ("ids-not-list", {"identity_policies": {}}, "`identity_policies` must be a list"),
    ("context-bad", {"context": {"k": {"x": 1}}}, "context key `k` must be a string or a list of strings"),
    ("grant-bad", {"grants": [{"operations": ["Decrypt"]}]}, "`grants[0].grantee_principal` must be a non-empty string"),
    ("grant-constraint-bad", {"grants": [{"grantee_principal": BOB, "operations": ["Decrypt"], "constraints": {"EncryptionContextEquals": {"a": 1}}}]},
     "must be an object of strings"),
]


@pytest.mark.parametrize(("overrides", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_cli_bad_line_gives_error_with_clear_message(overrides: dict, message: str) -> None:
    out = decide_line(line(**overrides))
    assert out["decision"] == "Error" and message in str(out["message"]) and out["id"] == "c1"


def test_cli_null_key_policy_decides_as_nothing_allows() -> None:
    out = decide_line(line(key_policy=None))
    assert out["decision"] == "ImplicitlyDenied" and "no resource-based policy" in str(out["message"])


def test_cli_grant_with_aws_spelling_and_context_encryption_context() -> None:
    grants = [{"grantee_principal": BOB, "operations": ["Decrypt"], "constraints": {"EncryptionContextSubset": {"app": "x"}}}]
    ok = decide_line(line(action="kms:Decrypt", key_policy=None, identity_policies=[], grants=grants,
                          context={"kms:EncryptionContext:app": "x"}))
    no = decide_line(line(action="kms:Decrypt", key_policy=None, identity_policies=[], grants=grants,
                          context={"kms:EncryptionContext:app": "y"}))
    assert (ok["decision"], no["decision"]) == ("Allowed", "ImplicitlyDenied")


def test_cli_run_authorize_flushes_each_line() -> None:
    class Out(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            Out.flushes += 1

    out = Out()
    assert run_authorize(io.StringIO(line() + "\n" + line() + "\n"), out) == 0
    assert Out.flushes == 2 and len(out.getvalue().splitlines()) == 2


def test_cli_main_requires_a_subcommand() -> None:
    with pytest.raises(SystemExit):
        main([])


def test_cli_stops_quietly_when_the_reader_goes_away() -> None:
    # `python -m kmslab.kms authorize < cases.jsonl | head -1` must not print a BrokenPipeError traceback.
    proc = subprocess.run(f"{sys.executable} -m kmslab.kms authorize | head -c 1", shell=True, input="\n".join([line()] * 3000),
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.stdout == "{"
    assert "Traceback" not in proc.stderr
