"""The decision values keep dataclass behaviour although their __init__ is hand-written for speed."""

import dataclasses
import pickle

import pytest

from kmslab.iam.decision import Caller, ElementCheck, Element, Request


def test_decision_values_are_frozen_hashable_picklable_and_replaceable():
    caller = Caller("arn:aws:iam::111111111111:user/bob", "111111111111", "user", name="bob")
    request = Request(caller, "kms:Decrypt", "arn:aws:kms:us-east-1:222222222222:key/k", "222222222222", {})
    check = ElementCheck(Element.ACTION, True, ("kms:Decrypt",), ("kms:Decrypt",))
    for value in (caller, check):
        assert pickle.loads(pickle.dumps(value)) == value
        assert hash(value) == hash(dataclasses.replace(value))
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.__setattr__(dataclasses.fields(value)[0].name, "x")
    assert dataclasses.replace(caller, name="alice").name == "alice"
    assert request.cross_account and dataclasses.replace(request, resource_account="111111111111").cross_account is False
    assert repr(caller).startswith("Caller(arn='arn:aws:iam::111111111111:user/bob'")
