"""ERROR_CODE_OVERRIDES takes the forms `make run` and `make deploy` can pass, and refuses anything else."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text, overrides",
    [
        ("52119=bad_token,52141=unknown", {"52119": "bad_token", "52141": "unknown"}),
        ('{"52119": "bad_token"}', {"52119": "bad_token"}),
        ("", {}),
    ],
)
def test_error_code_overrides_take_the_form_make_deploy_can_pass(text, overrides):
    from factor_cleanup.runtime.settings import Settings

    assert Settings(error_code_overrides=text).error_code_overrides == overrides


@pytest.mark.parametrize("text", ["52119", "52119=no_such_category", "{not json"])
def test_a_malformed_error_code_override_is_refused(text):
    from pydantic import ValidationError

    from factor_cleanup.runtime.settings import Settings

    with pytest.raises(ValidationError):
        Settings(error_code_overrides=text)
