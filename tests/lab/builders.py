"""Builders for scenario tests: a small valid scenario dict with overridable parts."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "data"
SHIPPED = sorted(DATA_DIR.glob("*.toml"))

KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"

ROOT_ONLY = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:*", "Resource": "*"}
  ]
}"""

BOB_EMPTY = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
  ]
}"""

BASE: dict[str, Any] = {
    "slug": "tiny",
    "title": "Tiny",
    "summary": "A tiny scenario for tests.",
    "narrative": "bob encrypts.",
    "closing": "Done.",
    "accounts": [
        {"id": "222222222222", "label": "Account A", "role": "key owner"},
        {"id": "111111111111", "label": "Account B", "role": "user"},
    ],
    "principals": [
        {"name": "bob", "account": "111111111111", "type": "user",
         "arn": "arn:aws:iam::111111111111:user/bob", "policies": ["iam_policy"]},
    ],
    "keys": [{"name": "k", "account": "222222222222", "id": "1234abcd-12ab-34cd-56ef-1234567890ab",
              "policy": "key_policy"}],
    "documents": [
        {"name": "key_policy", "title": "Account A key policy", "account": "222222222222",
         "kind": "key_policy", "text": ROOT_ONLY},
        {"name": "iam_policy", "title": "Account B IAM policy", "account": "111111111111",
         "kind": "identity", "text": BOB_EMPTY},
    ],
    "steps": [
        {"title": "bob encrypts", "caller": "bob", "service": "kms", "operation": "Encrypt",
         "params": {"KeyId": KEY_ARN, "Plaintext": "hello"}},
    ],
    "start_failure": {"step": 1, "gate": "key-policy", "error": "AccessDeniedException"},
    "solution": {"key_policy": ROOT_ONLY},
}


def make_scenario(**overrides: Any) -> dict[str, Any]:
    d = copy.deepcopy(BASE)
    for k, v in overrides.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return d
