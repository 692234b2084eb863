"""The dependency files agree with each other.

requirements*.txt state the versions the code works with; the locks pin what is installed (`make lock`).
A lock that no longer satisfies its requirements file, or a Lambda package whose versions differ from
the ones the tests ran, fails here rather than in production. `make check-lower-bounds` runs the whole
suite with every requirement at its lower bound; the last test checks that it really got those versions.
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCKS = {"requirements.txt": "requirements.lock", "requirements-dev.txt": "requirements-dev.lock"}
LAMBDA_RUNTIME_SHIPS = {"boto3", "botocore", "s3transfer"}
FIX = "run `make lock` and commit both locks"


def requirements(name: str) -> list[Requirement]:
    """The requirements of one input file, its `-r` includes followed."""
    found: list[Requirement] = []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line.startswith("-r "):
            found += requirements(line[3:].strip())
        elif line and not line.startswith("#"):
            found.append(Requirement(line))
    return found


def lower_bound(requirement: Requirement) -> Version | None:
    bounds = [Version(spec.version) for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
    return max(bounds, default=None)


def pins(lock: str) -> dict[str, set[Version]]:
    """Package -> every version the lock pins for it (one per environment marker)."""
    pinned: dict[str, set[Version]] = {}
    for line in (ROOT / lock).read_text().splitlines():
        if line[:1].isalnum():
            requirement = Requirement(line.rstrip(" \\"))
            (spec,) = requirement.specifier
            pinned.setdefault(canonicalize_name(requirement.name), set()).add(Version(spec.version))
    return pinned


@pytest.mark.parametrize("source", LOCKS)
def test_every_requirement_states_its_lower_bound(source):
    missing = [str(r) for r in requirements(source) if lower_bound(r) is None]
    assert missing == [], f"{source}: give each of these a >= bound, the oldest version that works"


@pytest.mark.parametrize("source, lock", LOCKS.items())
def test_each_lock_pins_every_requirement_inside_its_range(source, lock):
    pinned = pins(lock)
    wrong = {}
    for requirement in requirements(source):
        versions = pinned.get(canonicalize_name(requirement.name), set())
        if not versions or any(v not in requirement.specifier for v in versions):
            wrong[str(requirement)] = sorted(map(str, versions))
    assert wrong == {}, f"{lock} is stale for {source}: {FIX}"


def test_the_lambda_lock_leaves_the_aws_sdk_to_the_runtime():
    assert LAMBDA_RUNTIME_SHIPS & set(pins("requirements.lock")) == set()


def test_tests_run_the_versions_lambda_gets():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    differ = {
        name: (sorted(map(str, v)), sorted(map(str, dev.get(name, set()))))
        for name, v in runtime.items()
        if dev.get(name) != v
    }
    assert differ == {}, f"requirements-dev.lock must pin the Lambda lock's versions: {FIX}"


def test_every_package_of_the_lambda_lock_is_pinned_once():
    """`make stage` installs it for python3.12/arm64: one version per package, whatever the platform."""
    assert {name: v for name, v in pins("requirements.lock").items() if len(v) != 1} == {}


@pytest.mark.parametrize("module", sorted(p.stem for p in (ROOT / "handlers").glob("*.py") if p.stem != "__init__"))
def test_every_entry_point_imports(module):
    """With too old a dependency, an entry point fails at import; the rest of the suite runs them."""
    assert callable(importlib.import_module(f"handlers.{module}").handler)


@pytest.mark.skipif(not os.environ.get("PUSH_JANITOR_LOWER_BOUNDS"), reason="only under make check-lower-bounds")
def test_installed_versions_are_the_lower_bounds():
    """uv's lowest-direct resolution silently lifts a bound that cannot be met: catch that."""
    installed = {str(r): version(r.name) for r in requirements("requirements-dev.txt")}
    lifted = {name: got for name, got in installed.items() if Version(got) != lower_bound(Requirement(name))}
    assert lifted == {}, "these lower bounds cannot be installed together; raise them to the versions shown"
