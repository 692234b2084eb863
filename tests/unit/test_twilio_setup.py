"""`make configure-twilio` without a base URL stops with a clear error before it calls Twilio."""

from __future__ import annotations


def test_cli_without_a_base_url_is_a_clear_error(monkeypatch, capsys):
    from factor_cleanup.__main__ import main

    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    assert main(["configure-twilio"]) == 2
    assert "--base-url" in capsys.readouterr().err
