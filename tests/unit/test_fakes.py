"""Each fake subclasses the port it stands in for and implements all of it: a method it lacked would
silently fall back to the Protocol's stub, which returns None. What the methods do is held to the
adapters' behaviour by tests/integration/test_port_contracts.py."""

from __future__ import annotations

from typing import Protocol

import pytest

from factor_cleanup.domain import ports
from factor_cleanup.domain.breaker import BreakerStore
from tests import fakes

NOT_A_PORT = {"FakeLambdaContext"}  # stands in for the Lambda runtime's context object, not one of our ports
FAKES = [
    cls
    for name, cls in vars(fakes).items()
    if isinstance(cls, type) and cls.__module__ == fakes.__name__ and name not in NOT_A_PORT
]


def port_of(fake: type) -> type:
    [port] = [base for base in fake.__mro__[1:] if Protocol in base.__bases__]
    return port


def methods(port: type) -> set[str]:
    return {name for name, value in vars(port).items() if callable(value) and not name.startswith("_")}


@pytest.mark.parametrize("fake", FAKES, ids=lambda fake: fake.__name__)
def test_each_fake_implements_every_method_of_its_port(fake):
    port = port_of(fake)
    assert methods(port) and methods(port) - set(vars(fake)) == set()


def test_every_port_has_a_fake():
    declared = {cls for cls in vars(ports).values() if isinstance(cls, type) and Protocol in cls.__bases__}
    assert {port_of(fake) for fake in FAKES} == declared | {BreakerStore}
