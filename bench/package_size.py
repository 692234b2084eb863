"""Item 6a: the deployment package of each function, as `make stage` + `sam build` would produce it.

Both functions share CodeUri ../build/lambda: handlers/, factor_cleanup/ without local/, requirements.txt.
`sam build` adds `requirements.txt` installed for the function's platform (python3.12, arm64), which is
reproduced here with pip (`--platform manylinux2014_aarch64 --only-binary=:all:`, no .pyc, as SAM's
builder unpacks wheels). The install is cached under build/bench/ keyed on requirements.txt; without
a package index it falls back to an install for this host, and says so.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from bench.common import ROOT, Result, python

TITLE = "Package size (per function)"
CACHE = ROOT / "build" / "bench"
LAMBDA_ZIP_LIMIT_MB, LAMBDA_UNZIPPED_LIMIT_MB = 50, 250
AARCH64 = ["--platform", "manylinux2014_aarch64", "--only-binary=:all:", "--python-version", "3.12",
           "--implementation", "cp"]  # fmt: skip


def stage(into: Path) -> None:
    """What `make stage` copies: the code Lambda runs, without the local stack and caches."""
    for name in ("handlers", "factor_cleanup"):
        shutil.copytree(ROOT / name, into / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.rmtree(into / "factor_cleanup" / "local", ignore_errors=True)
    shutil.copy2(ROOT / "requirements.txt", into / "requirements.txt")


def dependencies() -> tuple[Path | None, str]:
    """(directory holding requirements.txt installed for Lambda, how it was installed)."""
    key = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()[:12]
    attempts = [("linux arm64 / CPython 3.12 wheels (as the template's runtime)", "arm64", AARCH64),
                ("this host's platform (fallback: no arm64 wheels reachable)", "host", [])]  # fmt: skip
    errors = []
    for label, tag, flags in attempts:
        target = CACHE / f"deps-{tag}-{key}"
        if (target / ".complete").exists():
            return target, f"{label}, cached in {target.relative_to(ROOT)}"
        shutil.rmtree(target, ignore_errors=True)
        command = [python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
                   "--target", str(target), *flags, "-r", str(ROOT / "requirements.txt")]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if done.returncode == 0:
            (target / ".complete").touch()
            return target, label
        errors.append(f"{tag}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
        shutil.rmtree(target, ignore_errors=True)
    return None, "; ".join(errors)


def sizes(root: Path) -> tuple[int, int, Counter[str]]:
    """(unzipped bytes, zipped bytes, bytes per top-level entry) of a directory packaged as SAM zips it."""
    per_entry: Counter[str] = Counter()
    unzipped = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.name != ".complete":
                relative = path.relative_to(root)
                size = path.stat().st_size
                unzipped += size
                top = relative.parts[0]
                per_entry[top.split("-")[0] + " (metadata)" if top.endswith(".dist-info") else top] += size
                archive.write(path, relative.as_posix())
    return unzipped, len(buffer.getvalue()), per_entry


def run(quick: bool = False) -> Result:
    result = Result("package", TITLE)  # the issue sets no target: the figure is compared with Lambda's limits
    deps, how = dependencies()
    with tempfile.TemporaryDirectory(prefix="push-janitor-package-") as tmp:
        package = Path(tmp)
        stage(package)
        code_unzipped, code_zipped, _ = sizes(package)
        if deps is not None:
            for entry in deps.iterdir():
                if entry.name not in (".complete", "bin"):
                    (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, package / entry.name)
        unzipped, zipped, per_entry = sizes(package)
    mb = 1024 * 1024
    if deps is None:
        result.figure = f"code only: {code_zipped / 1024:.0f} KB zip"
        result.say(f"dependencies could not be installed ({how}); code only")
    else:
        result.figure = f"{zipped / mb:.1f} MB zip, {unzipped / mb:.1f} MB unzipped"
        result.say(f"dependencies: {how}")
    result.floor = f"Lambda limits {LAMBDA_ZIP_LIMIT_MB} MB zip / {LAMBDA_UNZIPPED_LIMIT_MB} MB"
    result.ratio = f"{zipped / (LAMBDA_ZIP_LIMIT_MB * mb):.0%} / {unzipped / (LAMBDA_UNZIPPED_LIMIT_MB * mb):.0%}"
    result.data.update(zipped=zipped, unzipped=unzipped, code_zipped=code_zipped, installed=how)
    result.say("IngestFunction and WorkerFunction share CodeUri ../build/lambda, so each gets this same package:")
    result.say(f"  whole package: {zipped / mb:6.2f} MB zipped, {unzipped / mb:6.2f} MB unzipped")
    result.say(f"  project code:  {code_zipped / 1024:6.0f} KB zipped, {code_unzipped / 1024:6.0f} KB unzipped "
               "(handlers/, factor_cleanup/ without local/)")  # fmt: skip
    result.say("  largest entries, unzipped:")
    for name, size in per_entry.most_common(5):
        result.say(f"    {name:32s} {size / mb:6.2f} MB")
    return result


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "package"])
