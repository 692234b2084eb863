"""Item 6a: the deployment package of each function, exactly as `make stage` builds it for `sam build`.

Every function's CodeUri is ../build/lambda: handlers/, factor_cleanup/ without local/, and requirements.lock
installed hash-checked for the functions' platform (python3.12, arm64, no .pyc); `sam build` copies it as it
is (BuildMethod: makefile). The bench runs `make stage` into a temporary directory, so it measures the same
command; uv's cache serves the wheels after the first run. Without a package index or a cache it measures
nothing, and says why.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from bench.common import ROOT, Result

TITLE = "Package size (per function)"
LAMBDA_ZIP_LIMIT_MB, LAMBDA_UNZIPPED_LIMIT_MB = 50, 250
CODE = ("handlers", "factor_cleanup")


def stage(into: Path) -> str | None:
    """`make stage` into `into`; None when it worked, else the reason it did not."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "stage", f"STAGE={into}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"make stage exited {done.returncode}"


def sizes(root: Path) -> tuple[int, int, Counter[str]]:
    """(unzipped bytes, zipped bytes, bytes per top-level entry) of a directory packaged as SAM zips it."""
    per_entry: Counter[str] = Counter()
    unzipped = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.relative_to(root).as_posix() != "Makefile":
                relative = path.relative_to(root)
                size = path.stat().st_size
                unzipped += size
                top = relative.parts[0]
                per_entry[top.split("-")[0] + " (metadata)" if top.endswith(".dist-info") else top] += size
                archive.write(path, relative.as_posix())
    return unzipped, len(buffer.getvalue()), per_entry


def run(quick: bool = False) -> Result:
    result = Result("package", TITLE)  # the issue sets no target: the figure is compared with Lambda's limits
    with tempfile.TemporaryDirectory(prefix="push-janitor-package-") as tmp:
        package = Path(tmp) / "lambda"
        failure = stage(package)
        if failure is not None:
            result.say(f"not measured: make stage failed ({failure})")
            return result
        code = [sizes(package / name) for name in CODE]
        unzipped, zipped, per_entry = sizes(package)
    code_unzipped, code_zipped = sum(c[0] for c in code), sum(c[1] for c in code)
    mb = 1024 * 1024
    result.figure = f"{zipped / mb:.1f} MB zip, {unzipped / mb:.1f} MB unzipped"
    result.floor = f"Lambda limits {LAMBDA_ZIP_LIMIT_MB} MB zip / {LAMBDA_UNZIPPED_LIMIT_MB} MB"
    result.ratio = f"{zipped / (LAMBDA_ZIP_LIMIT_MB * mb):.0%} / {unzipped / (LAMBDA_UNZIPPED_LIMIT_MB * mb):.0%}"
    result.data.update(zipped=zipped, unzipped=unzipped, code_zipped=code_zipped, per_entry=dict(per_entry))
    result.say("`make stage`: requirements.lock installed with --require-hashes for python3.12/arm64")
    result.say("every function's CodeUri is ../build/lambda, so each gets this same package:")
    result.say(f"  whole package: {zipped / mb:6.2f} MB zipped, {unzipped / mb:6.2f} MB unzipped")
    result.say(
        f"  project code:  {code_zipped / 1024:6.0f} KB zipped, {code_unzipped / 1024:6.0f} KB unzipped "
        "(handlers/, factor_cleanup/ without local/)"
    )
    result.say("  largest entries, unzipped:")
    for name, size in per_entry.most_common(5):
        result.say(f"    {name:32s} {size / mb:6.2f} MB")
    return result


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "package"])
