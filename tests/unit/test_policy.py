from __future__ import annotations

import pytest

from factor_cleanup.domain.error_codes import Category, ErrorCodePolicy


@pytest.mark.parametrize("code", ["52103", "52141", "52119", 52103])
def test_uninstall_codes_are_delete_candidates(code):
    verdict = ErrorCodePolicy().classify(code, "Notification could not be delivered")
    assert verdict.delete_candidate and verdict.category is Category.UNINSTALLED


CONFIG_CODES = [
    "52101",
    "52104",
    "52105",
    "52109",
    "52117",
    "52131",
    "52134",
    "52143",
    "52145",
    "52147",
    "52148",
    "52149",
    "52161",
    "52162",
    "52163",
    "52164",
]


@pytest.mark.parametrize("code", CONFIG_CODES)
def test_configuration_codes_never_delete_and_say_so(code):
    verdict = ErrorCodePolicy().classify(code)
    assert not verdict.delete_candidate
    assert verdict.category is Category.CONFIGURATION
    assert "credential" in verdict.reason


@pytest.mark.parametrize(
    "code, category",
    [
        ("52102", Category.BAD_TOKEN),
        ("52108", Category.TRANSIENT),
        ("30008", Category.UNKNOWN),
        (None, Category.UNKNOWN),
    ],
)
def test_everything_else_is_skipped(code, category):
    verdict = ErrorCodePolicy().classify(code)
    assert verdict.category is category and not verdict.delete_candidate


def test_fcm_401_is_a_credential_failure_even_under_an_uninstall_code():
    verdict = ErrorCodePolicy().classify("52103", "401 http response from Fcm Service")
    assert verdict.category is Category.CONFIGURATION and not verdict.delete_candidate


def test_ops_can_override_the_table():
    policy = ErrorCodePolicy({"52119": "bad_token", "59999": "uninstalled"})
    assert not policy.classify("52119").delete_candidate
    assert policy.classify("59999").delete_candidate
    assert policy.classify("52103").delete_candidate  # untouched entries keep their default


def test_unknown_category_in_overrides_is_refused():
    with pytest.raises(ValueError):
        ErrorCodePolicy({"52103": "wipe-everything"})
