"""The README names files to read (tests, modules, the template): each one it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMED = re.compile(r"`((?:tests|factor_cleanup|handlers|bench|infra|events)/[\w./-]+\.(?:py|yaml|json|mk))`")


def named_paths(text: str) -> set[str]:
    return set(NAMED.findall(text))


def test_every_path_the_readme_names_exists():
    named = named_paths((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(named) > 10, "the README names the files behind its claims"
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, f"README.md names files that do not exist: {missing}"


def test_a_moved_file_is_caught():
    assert named_paths("see `tests/test_apply.py` and `tests/integration/test_apply.py`") == {
        "tests/test_apply.py",
        "tests/integration/test_apply.py",
    }
    assert not (ROOT / "tests/test_apply.py").exists()
