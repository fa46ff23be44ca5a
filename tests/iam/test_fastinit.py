"""fast_init builds the same values as the dataclass it replaces, and refuses what it cannot build."""

import dataclasses

import pytest

from kmslab.iam.fastinit import fast_init
from kmslab.iam.policy import Policy, PolicyKind, Span


def test_fast_init_keeps_signature_defaults_equality_and_frozenness():
    @fast_init
    @dataclasses.dataclass(frozen=True, slots=True)
    class Point:
        x: int
        y: int = 7

    assert Point(1) == Point(x=1, y=7) and hash(Point(1)) == hash(Point(1, 7))
    assert Point(1, 2).y == 2 and Point.__init__.__qualname__.endswith("Point.__init__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        Point(1).x = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_fast_init_refuses_post_init_and_factories():
    with pytest.raises(TypeError):
        @fast_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class WithPost:
            x: int

            def __post_init__(self) -> None:
                pass

    with pytest.raises(TypeError):
        @fast_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class WithFactory:
            x: list[int] = dataclasses.field(default_factory=list)


def test_policy_values_use_fast_init_with_their_defaults():
    assert Span("/a") == Span("/a", 0, 0, 0, 0)
    assert Policy(PolicyKind.IDENTITY, None, ()).extra == ()
