"""Generate random cross-account KMS requests as JSON Lines for the CLI benchmark (`make bench`).

Each line is one `python -m kmslab.kms authorize` request with its own freshly written key policy
(3-8 statements: the owner's root, the other account or one of its principals, a Deny guardrail
or two, wildcards in actions and ARNs, conditions on kms:ViaService, the encryption context,
aws:SecureTransport, kms:CallerAccount) and 1-3 identity policies of the caller, so every request
parses its documents from scratch. The seed is fixed: the same run gives the same lines.

    python tests/bench/gen_requests.py [COUNT] [--seed N] > requests.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys

ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
           "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:DescribeKey", "kms:CreateGrant", "kms:Sign",
           "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:GetPublicKey")
PATTERNS = ("kms:*", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey",
            "kms:Create*", "kms:Get*", "kms:?ecrypt", "kms:Describe*", "kms:Sign", "kms:Put*")
SERVICES = ("s3", "ebs", "ec2", "rds", "secretsmanager", "dynamodb")
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
APPS = ("billing", "payroll", "reports", "audit", "ml")


def _account(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(12))


def _key_id(rng: random.Random) -> str:
    h = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _one_or_list(rng: random.Random, values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 and rng.random() < 0.5 else values


def _actions(rng: random.Random, wanted: str) -> str | list[str]:
    picks = rng.sample(PATTERNS, rng.randint(1, 4))
    if rng.random() < 0.6:
        picks.append(wanted)  # often the one asked for, sometimes only through a wildcard or not at all
    return _one_or_list(rng, list(dict.fromkeys(picks)))


def _conditions(rng: random.Random, ctx: dict[str, object], caller_account: str) -> dict[str, object]:
    cond: dict[str, dict[str, object]] = {}
    service = str(ctx.get("kms:ViaService", "s3.us-east-1.amazonaws.com"))
    if rng.random() < 0.5:
        cond.setdefault("StringEquals", {})["kms:ViaService"] = (
            service if rng.random() < 0.7 else [service, f"{rng.choice(SERVICES)}.{rng.choice(REGIONS)}.amazonaws.com"])
    if rng.random() < 0.3:
        cond.setdefault("StringLike", {})["kms:ViaService"] = f"{rng.choice(SERVICES)}.*.amazonaws.com"
    if rng.random() < 0.4:
        app = rng.choice(APPS)
        cond.setdefault("StringEquals", {})["kms:EncryptionContext:app"] = [app, rng.choice(APPS)]
    if rng.random() < 0.3:
        cond["ForAnyValue:StringEquals"] = {"kms:EncryptionContextKeys": ["app", "aws:s3:arn"]}
    if rng.random() < 0.3:
        cond["Bool"] = {"aws:SecureTransport": rng.choice([True, "true"])}
    if rng.random() < 0.2:
        cond.setdefault("StringEquals", {})["kms:CallerAccount"] = caller_account
    if rng.random() < 0.15:
        cond["NumericLessThanIfExists"] = {"aws:MultiFactorAuthAge": rng.randint(300, 3600)}
    return cond


def _principal(rng: random.Random, caller_account: str, caller_arn: str) -> dict[str, object]:
    choice = rng.random()
    if choice < 0.45:
        who: str | list[str] = f"arn:aws:iam::{caller_account}:root"
    elif choice < 0.6:
        who = caller_account
    elif choice < 0.8:
        who = [caller_arn, f"arn:aws:iam::{caller_account}:role/Ops{rng.randint(0, 9)}"]
    else:
        who = f"arn:aws:iam::{_account(rng)}:root"  # some other account: no match
    return {"AWS": who}


def _key_policy(rng: random.Random, owner: str, caller_account: str, caller_arn: str, wanted: str,
                ctx: dict[str, object]) -> dict[str, object]:
    stmts: list[dict[str, object]] = [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{owner}:root"}, "Action": "kms:*", "Resource": "*"}]
    if rng.random() < 0.5:
        stmts.append({"Sid": "Allow access for Key Administrators", "Effect": "Allow",
                      "Principal": {"AWS": [f"arn:aws:iam::{owner}:role/KeyAdmin", f"arn:aws:iam::{owner}:user/admin"]},
                      "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
                                 "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*",
                                 "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
                                 "kms:CancelKeyDeletion"], "Resource": "*"})
    for i in range(rng.randint(1, 3)):
        stmt: dict[str, object] = {"Sid": f"CrossAccountUse{i}", "Effect": "Allow",
                                   "Principal": _principal(rng, caller_account, caller_arn),
                                   "Action": _actions(rng, wanted), "Resource": "*"}
        cond = _conditions(rng, ctx, caller_account)
        if cond:
            stmt["Condition"] = cond
        stmts.append(stmt)
    if rng.random() < 0.5:
        stmts.append({"Sid": "DenyWithoutTLS", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
                      "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    if rng.random() < 0.3:
        stmts.append({"Sid": "DenyOutsideServices", "Effect": "Deny", "Principal": {"AWS": "*"},
                      "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
                      "Condition": {"StringNotLike": {"kms:ViaService": [f"{s}.*.amazonaws.com" for s in
                                                                          rng.sample(SERVICES, 2)]},
                                    "Null": {"kms:ViaService": "false"}}})
    if rng.random() < 0.15:
        stmts.append({"Sid": "NoDeletion", "Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{owner}:root"},
                      "Action": ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"], "Resource": "*"})
    rng.shuffle(stmts)
    return {"Version": "2012-10-17", "Id": f"key-policy-{rng.randint(1, 10**6)}", "Statement": stmts}


def _identity_policy(rng: random.Random, owner: str, key_arn: str, wanted: str,
                     ctx: dict[str, object], caller_account: str) -> dict[str, object]:
    stmts: list[dict[str, object]] = []
    for i in range(rng.randint(1, 4)):
        r = rng.random()
        resource: str | list[str]
        if r < 0.4:
            resource = key_arn
        elif r < 0.6:
            resource = f"arn:aws:kms:*:{owner}:key/*"
        elif r < 0.75:
            resource = [f"arn:aws:kms:{rng.choice(REGIONS)}:{owner}:key/*", f"arn:aws:kms:*:{_account(rng)}:key/*"]
        elif r < 0.85:
            resource = "*"
        else:
            resource = f"arn:aws:s3:::bucket-{rng.randint(0, 99)}/*"
        stmt: dict[str, object] = {"Sid": f"Use{i}", "Effect": "Allow", "Action": _actions(rng, wanted),
                                   "Resource": resource}
        cond = _conditions(rng, ctx, caller_account)
        if cond:
            stmt["Condition"] = cond
        stmts.append(stmt)
    if rng.random() < 0.25:
        stmts.append({"Sid": "NoAdmin", "Effect": "Deny", "NotAction": ["kms:Encrypt", "kms:Decrypt",
                                                                        "kms:GenerateDataKey*", "kms:DescribeKey"],
                      "Resource": "*"})
    if rng.random() < 0.1:
        stmts.append({"Effect": "Deny", "Action": "kms:*", "NotResource": f"arn:aws:kms:*:{owner}:key/*"})
    return {"Version": "2012-10-17", "Statement": stmts if len(stmts) > 1 or rng.random() < 0.5 else stmts[0]}


def make_request(rng: random.Random, n: int) -> dict[str, object]:
    owner, caller_account = _account(rng), _account(rng)
    region = rng.choice(REGIONS)
    key_arn = f"arn:aws:kms:{region}:{owner}:key/{_key_id(rng)}"
    kind = rng.random()
    if kind < 0.5:
        caller = f"arn:aws:iam::{caller_account}:user/dev{rng.randint(0, 99)}"
    elif kind < 0.8:
        caller = f"arn:aws:iam::{caller_account}:role/App{rng.randint(0, 9)}"
    else:
        caller = f"arn:aws:sts::{caller_account}:assumed-role/App{rng.randint(0, 9)}/session{rng.randint(0, 999)}"
    action = rng.choice(ACTIONS)
    ctx: dict[str, object] = {"kms:ViaService": f"{rng.choice(SERVICES)}.{region}.amazonaws.com",
                              "aws:SecureTransport": rng.random() < 0.9}
    if rng.random() < 0.6:
        ctx["kms:EncryptionContext:app"] = rng.choice(APPS)
    if rng.random() < 0.3:
        ctx["kms:EncryptionContext:aws:s3:arn"] = f"arn:aws:s3:::bucket-{rng.randint(0, 99)}/key{rng.randint(0, 9)}"
    return {
        "id": f"req-{n}", "principal": caller, "action": action, "resource": key_arn, "context": ctx,
        "key_policy": _key_policy(rng, owner, caller_account, caller, action, ctx),
        "identity_policies": [_identity_policy(rng, owner, key_arn, action, ctx, caller_account)
                              for _ in range(rng.randint(1, 3))],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20_000)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    out = sys.stdout
    for n in range(args.count):
        out.write(json.dumps(make_request(rng, n), separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
