"""Hypothesis properties of the KMS engine: monotonicity of Deny and Allow, and robustness."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmslab.iam.decision import Verdict
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import PolicyKind
from kmslab.kms.authorize import authorize_kms
from kmslab.kms.cli import decide_line
from tests.kms.golden.builders import ALICE, BOB, EXT, KEY, OWN

CALLERS = st.sampled_from([ALICE, BOB, f"arn:aws:sts::{OWN}:assumed-role/App/s", f"arn:aws:iam::{EXT}:role/Ext",
                           "cloudtrail.amazonaws.com"])
ACTIONS = st.sampled_from(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:PutKeyPolicy"])
PRINCIPALS = st.sampled_from(["*", {"AWS": "*"}, {"AWS": OWN}, {"AWS": f"arn:aws:iam::{EXT}:root"}, {"AWS": ALICE},
                              {"AWS": f"arn:aws:iam::{OWN}:role/App"}, {"Service": "cloudtrail.amazonaws.com"}])
ACTION_PATTERNS = st.sampled_from(["kms:*", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:Describe*", "s3:*"])
CONDITIONS = st.sampled_from([None, {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
                              {"StringNotEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
                              {"Null": {"kms:ViaService": "true"}},
                              {"StringEquals": {"kms:CallerAccount": OWN}}])


@st.composite
def statements(draw: st.DrawFn, *, key_policy: bool, effect: str | None = None) -> dict:
    s: dict = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"])), "Action": draw(ACTION_PATTERNS),
               "Resource": "*" if key_policy else draw(st.sampled_from(["*", KEY, "arn:aws:kms:*:999999999999:key/*"]))}
    if key_policy:
        s["Principal"] = draw(PRINCIPALS)
    cond = draw(CONDITIONS)
    if cond:
        s["Condition"] = cond
    return s


def _decide(caller: str, action: str, kp: list[dict], iam: list[dict], via: bool) -> Verdict:
    kpp = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": kp}), PolicyKind.KEY_POLICY).policy
    ipp = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": iam}), PolicyKind.IDENTITY).policy
    assert kpp is not None and ipp is not None
    ctx = {"kms:ViaService": "s3.us-east-1.amazonaws.com"} if via else {}
    return authorize_kms(caller, action, KEY, key_policy=kpp, identity_policies=[ipp], context=ctx).verdict


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(CALLERS, ACTIONS, st.lists(statements(key_policy=True), max_size=4), st.lists(statements(key_policy=False), max_size=3),
       st.booleans(), st.booleans(), st.data())
def test_adding_a_deny_never_turns_deny_into_allow(caller, action, kp, iam, via, into_key, data) -> None:
    before = _decide(caller, action, kp, iam, via)
    deny = data.draw(statements(key_policy=into_key, effect="Deny"))
    after = _decide(caller, action, kp + [deny] if into_key else kp, iam if into_key else iam + [deny], via)
    if not before.allowed:
        assert not after.allowed


@SETTINGS
@given(CALLERS, ACTIONS, st.lists(statements(key_policy=True), min_size=1, max_size=4),
       st.lists(statements(key_policy=False), min_size=1, max_size=3), st.booleans(), st.booleans(), st.data())
def test_removing_an_allow_never_grants_more(caller, action, kp, iam, via, from_key, data) -> None:
    before = _decide(caller, action, kp, iam, via)
    source = kp if from_key else iam
    allows = [i for i, s in enumerate(source) if s["Effect"] == "Allow"]
    if not allows:
        return
    i = data.draw(st.sampled_from(allows))
    pruned = source[:i] + source[i + 1:]
    after = _decide(caller, action, pruned if from_key else kp, iam if from_key else pruned, via)
    if after.allowed:
        assert before.allowed


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=20)
FIELDS = st.fixed_dictionaries({}, optional={"id": JSON, "principal": st.one_of(JSON, CALLERS), "action": st.one_of(JSON, ACTIONS),
                                             "resource": st.one_of(JSON, st.just(KEY)), "context": JSON, "key_policy": JSON,
                                             "identity_policies": JSON, "grants": JSON})


@SETTINGS
@given(st.one_of(JSON, FIELDS))
def test_cli_arbitrary_json_never_crashes(obj: object) -> None:
    out = decide_line(json.dumps(obj))
    assert out["decision"] in ("Allowed", "ImplicitlyDenied", "ExplicitlyDenied", "Error")
    assert not str(out["message"]).startswith("internal error"), out
    json.dumps(out)


@SETTINGS
@given(st.text(max_size=200))
def test_cli_arbitrary_text_never_crashes(text: str) -> None:
    out = decide_line(text)
    assert out["decision"] in ("Allowed", "ImplicitlyDenied", "ExplicitlyDenied", "Error")
    assert not str(out["message"]).startswith("internal error"), out
