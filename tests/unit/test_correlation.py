from __future__ import annotations

import itertools
import json

import pytest

from factor_cleanup.domain.correlation import parse_correlation_ids, split_items
from tests.conftest import CHALLENGE_SID, FACTOR_SID, IDENTITY, SERVICE_SID

ITEMS = [SERVICE_SID, IDENTITY, FACTOR_SID, CHALLENGE_SID]


def _assert_complete(ids):
    assert ids.problem is None
    assert (ids.service_sid, ids.identity, ids.factor_sid, ids.challenge_sid) == (
        SERVICE_SID,
        IDENTITY,
        FACTOR_SID,
        CHALLENGE_SID,
    )


@pytest.mark.parametrize("order", list(itertools.permutations(ITEMS)), ids=lambda o: "-".join(i[:2] for i in o))
def test_every_order_of_the_four_items_is_understood(order):
    _assert_complete(parse_correlation_ids("[" + ", ".join(order) + "]"))


def test_all_24_orders_are_covered():
    assert len(set(itertools.permutations(ITEMS))) == 24


@pytest.mark.parametrize(
    "raw",
    [
        f"[{SERVICE_SID}, {IDENTITY}, {FACTOR_SID}, {CHALLENGE_SID}]",
        f"[{SERVICE_SID},{IDENTITY},{FACTOR_SID},{CHALLENGE_SID}]",
        f"  [ {SERVICE_SID} ,  {IDENTITY},\t{FACTOR_SID} ,{CHALLENGE_SID} ]  ",
        f"{SERVICE_SID}, {IDENTITY}, {FACTOR_SID}, {CHALLENGE_SID}",
        f"['{SERVICE_SID}', '{IDENTITY}', '{FACTOR_SID}', '{CHALLENGE_SID}']",
        json.dumps([SERVICE_SID, IDENTITY, FACTOR_SID, CHALLENGE_SID]),
        [SERVICE_SID, IDENTITY, FACTOR_SID, CHALLENGE_SID],
        f"[{SERVICE_SID}, {IDENTITY}, {FACTOR_SID}, {CHALLENGE_SID}, ]",
        f"[{SERVICE_SID}, {IDENTITY}, {FACTOR_SID}, {FACTOR_SID}, {CHALLENGE_SID}]",  # a repeat is not a second factor
    ],
    ids=[
        "twilio",
        "no-spaces",
        "extra-whitespace",
        "no-brackets",
        "single-quotes",
        "json-array",
        "list",
        "trailing-comma",
        "repeat",
    ],
)
def test_spacing_and_quoting_variants(raw):
    _assert_complete(parse_correlation_ids(raw))


def test_challenge_is_optional():
    ids = parse_correlation_ids(f"[{FACTOR_SID}, {IDENTITY}, {SERVICE_SID}]")
    assert ids.problem is None and ids.challenge_sid is None and ids.factor_sid == FACTOR_SID


OTHER_FACTOR = "YF" + "e" * 32
OTHER_SERVICE = "VA" + "f" * 32


@pytest.mark.parametrize(
    "raw, expected",
    [
        (f"[{SERVICE_SID}, {IDENTITY}, {CHALLENGE_SID}]", "no factor SID"),
        (f"[{SERVICE_SID}, {IDENTITY}, {FACTOR_SID}, {OTHER_FACTOR}]", "2 different factor SID"),
        (f"[{SERVICE_SID}, {FACTOR_SID}, {CHALLENGE_SID}]", "no entity identity"),
        (f"[{SERVICE_SID}, {IDENTITY}, other-identity, {FACTOR_SID}]", "2 different entity identity"),
        (f"[{IDENTITY}, {FACTOR_SID}, {CHALLENGE_SID}]", "no Verify Service SID"),
        (f"[{SERVICE_SID}, {OTHER_SERVICE}, {IDENTITY}, {FACTOR_SID}]", "2 different Verify Service SID"),
        (f"[{SERVICE_SID}, {IDENTITY}, {FACTOR_SID}, {CHALLENGE_SID}, YC{'0' * 32}]", "2 different challenge SID"),
        ("[]", "no Verify Service SID"),
        ("", "no Verify Service SID"),
        (f"[{SERVICE_SID.upper()}, {IDENTITY}, {FACTOR_SID}]", "no Verify Service SID"),  # upper-case hex is no SID
    ],
)
def test_ambiguous_sets_are_reported_not_guessed(raw, expected):
    ids = parse_correlation_ids(raw)
    assert ids.problem is not None and expected in ids.problem


def test_split_items_drops_blanks_and_quotes():
    assert split_items('[ "a" , , `b` ]') == ["a", "b"]
