"""Figures a test module wants shown at the end of the run (fuzz inputs tried, fault-run outcomes).

Printed in pytest's terminal summary, so `make test` (pytest -q, output captured) still shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_figures: dict[str, Callable[[], str]] = {}


class _Figures:
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        lines = [line for render in _figures.values() if (line := render())]
        if lines:
            terminalreporter.write_sep("-", "push-janitor figures")
            for line in lines:
                terminalreporter.write_line(line)


_PLUGIN = _Figures()


def show_at_end(config: Any, key: str, render: Callable[[], str]) -> None:
    """Print `render()` in the terminal summary; `key` replaces an earlier figure of the same name."""
    if not config.pluginmanager.is_registered(_PLUGIN):
        config.pluginmanager.register(_PLUGIN, "push-janitor-figures")
    _figures[key] = render
