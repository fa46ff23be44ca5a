"""The README's "simulated world from Python" example runs and does what it says."""

from __future__ import annotations

import re
from pathlib import Path

from tests.kms.test_world import A, B, doc, root, root_statement, stmt

README = Path(__file__).resolve().parent.parent.parent / "README.md"
OBJECTS = "arn:aws:s3:::reports/*"


def test_readme_world_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The simulated world from Python"):]
    code = re.search(r"```python\n(.+?)\n```", section, re.S).group(1)  # type: ignore[union-attr]
    # the study guide's worked example: bob (B) uploads to A's bucket under A's key (plus Decrypt, for multipart)
    scope: dict[str, object] = {
        "BOB_POLICY": doc(stmt(["s3:PutObject", "s3:GetObject"], OBJECTS), stmt(["kms:GenerateDataKey", "kms:Decrypt"], "*")),
        "KEY_POLICY": doc(root_statement(A), stmt(["kms:GenerateDataKey*", "kms:Decrypt"], principal={"AWS": root(B)})),
        "BUCKET_POLICY": doc(stmt(["s3:PutObject", "s3:GetObject"], OBJECTS, principal={"AWS": root(B)})),
    }
    exec(compile(code, "README.md", "exec"), scope)
    put, done, again, bob = scope["put"], scope["done"], scope["again"], scope["bob"]
    assert put.ok and [c.action for c in put.calls] == ["s3:PutObject", "kms:GenerateDataKey"], put.error  # type: ignore[attr-defined]
    assert done.ok, done.error  # type: ignore[attr-defined]
    assert again.s3.get_object(bob, "reports", "big.bin").response["Body"] == b"part one"  # type: ignore[attr-defined]
    assert again.s3.get_object(bob, "reports", "q1.csv").response["Body"] == b"figures"  # type: ignore[attr-defined]
