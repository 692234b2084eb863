"""Item 2: cold start, as wall time of fresh interpreters, against boto3 and the same AWS clients alone.

Each variant is a new `python -c …` process (interleaved runs, median): the handler module imported and
its app built the way its first invocation builds it (`handlers.ingest.app()`, `handlers.worker.app()`,
environment set so nothing reaches a network), against a process that only imports boto3 and creates the
same clients with the same botocore Config: the floor no handler can beat. Every child runs as on Lambda
(AWS_LAMBDA_FUNCTION_NAME set, so the handlers start with garbage collection paused, runtime/startup.py),
except the `+gc` variants, which show the same start with collection left on. `-X importtime` then names
the packages a handler imports beyond the floor.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections import defaultdict
from functools import cache

from bench.common import ROOT, Result, child_env, fmt_ratio, median, python

TITLE = "Cold start (fresh interpreter)"
TARGETS = {"ingest": 1.4, "worker": 1.5}

_CONFIG = (
    "from botocore.config import Config\n"
    "config = Config(connect_timeout=2, read_timeout=5, retries={'mode': 'standard', 'max_attempts': 3})\n"
)
VARIANTS = {
    "python": "pass",  # the interpreter alone
    "floor-ingest": "import boto3\n" + _CONFIG + "boto3.client('sqs', config=config)",
    "ingest": "import handlers.ingest\nhandlers.ingest.app()",
    "floor-worker": "import boto3\n"
    + _CONFIG
    + "boto3.client('sqs', config=config)\nboto3.client('dynamodb', config=config)",
    "worker": "import handlers.worker\nhandlers.worker.app()",
    "ingest+gc": "import handlers.ingest\nhandlers.ingest.app()",  # collecting all along, as not on Lambda
    "worker+gc": "import handlers.worker\nhandlers.worker.app()",
    # The libraries each handler needs, without any project code: how much of the gap is ours.
    "libs-ingest": "import boto3\n" + _CONFIG + "boto3.client('sqs', config=config)\n"
    "import pydantic, structlog, twilio.request_validator\npydantic.BaseModel",
    "libs-worker": "import boto3\n"
    + _CONFIG
    + "boto3.client('sqs', config=config)\nboto3.client('dynamodb', config=config)\n"
    "import pydantic, structlog\npydantic.BaseModel\nimport aws_lambda_powertools.utilities.idempotency",
    # Not a cold-start figure: what the first DELETE of a delete-mode worker adds (twilio's REST client).
    "worker+verify": "import handlers.worker\nhandlers.worker.app()\n"
    "from factor_cleanup.adapters.twilio.verify_api import TwilioVerifyApi\nTwilioVerifyApi('AC' + '5' * 32, 'user', 'secret')",
}
# CLOCK_MONOTONIC is one clock for every process on the machine, so the parent can time the child's readiness.
_TIMED = "{hide}\n{code}\nimport time as _t\nprint(_t.clock_gettime(_t.CLOCK_MONOTONIC))"
# Every child, the floors included, first hides the packages the Lambda package does not hold, as Lambda lacks
# them: a library that imports an optional package when it is installed (structlog imports `rich`, which the
# dev tools bring) must not be charged for it here.
_HIDE = """import sys
class _NotInLambda:
    hidden = frozenset({names!r})
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition(".")[0] in cls.hidden:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, _NotInLambda)"""
# What Lambda sets that our start-up reads (factor_cleanup/runtime/startup.py): the functions start as on Lambda.
LAMBDA_ENV = {"AWS_LAMBDA_FUNCTION_NAME": "push-janitor-cold-start"}
RUNTIME_PACKAGES = ("boto3",)  # shipped by the python3.12 runtime, so kept out of requirements.lock


def _dependencies(name: str, seen: set[str]) -> set[str]:
    """`name` and what it requires (not its extras), recursively, as installed here; names normalised."""
    from importlib import metadata

    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        return seen
    seen.add(key)
    try:
        requires = metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        return seen
    for requirement in requires:
        if "extra ==" not in requirement:
            _dependencies(re.match(r"[A-Za-z0-9._-]+", requirement).group(0), seen)
    return seen


@cache
def hide_dev_packages() -> str:
    """The code that hides every installed top-level module no distribution of the Lambda package provides."""
    from importlib import metadata

    locked = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", (ROOT / "requirements.lock").read_text(), re.MULTILINE)
    shipped: set[str] = set()
    for name in (*locked, *RUNTIME_PACKAGES):
        _dependencies(name, shipped)
    hidden = sorted(
        module
        for module, dists in metadata.packages_distributions().items()
        if not any(re.sub(r"[-_.]+", "-", dist).lower() in shipped for dist in dists)
    )
    return _HIDE.format(names=tuple(hidden))


def _now() -> float:
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def run_child(code: str, *flags: str, on_lambda: bool = True) -> tuple[float, float, str]:
    """(seconds from spawn until `code` has run, seconds until the process exited, stderr) of one interpreter.

    The first is the cold start: Lambda keeps the process and never pays the second's interpreter shutdown.
    """
    started = _now()
    timed = _TIMED.replace("{hide}", hide_dev_packages()).replace("{code}", code)
    env = child_env(**(LAMBDA_ENV if on_lambda else {}))
    done = subprocess.run(
        [python(), *flags, "-c", timed], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    exited = _now() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold-start child failed:\n{code}\n{done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1]) - started, exited, done.stderr


def import_times(code: str, runs: int = 3) -> dict[str, float]:
    """Module -> its own import time in µs, median of `runs` runs of `python -X importtime`."""
    seen: dict[str, list[int]] = defaultdict(list)
    for _ in range(runs):
        for line in run_child(code, "-X", "importtime")[2].splitlines():
            if line.startswith("import time:") and "|" in line and "self [us]" not in line:
                self_us, _cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
                seen[name].append(int(self_us))
    return {name: median(values) for name, values in seen.items()}


def heavy_imports(handler: str, floor: str, top: int = 6) -> list[tuple[str, float, int]]:
    """Top-level packages imported by the handler and not by the floor: (package, ms, modules)."""
    extra, base = import_times(VARIANTS[handler]), import_times(VARIANTS[floor])
    by_package: dict[str, list[float]] = defaultdict(list)
    for name, self_us in extra.items():
        if name not in base:
            by_package[name.split(".")[0]].append(self_us)
    ranked = sorted(by_package.items(), key=lambda item: -sum(item[1]))[:top]
    return [(package, sum(times) / 1000, len(times)) for package, times in ranked]


def run(quick: bool = False) -> Result:
    runs = 3 if quick else 11
    for code in VARIANTS.values():  # warm the page cache and write __pycache__ before timing
        run_child(code)
    ready: dict[str, list[float]] = defaultdict(list)
    exits: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for name, code in VARIANTS.items():  # interleaved, so drift hits every variant alike
            until_ready, until_exit = run_child(code, on_lambda=not name.endswith("+gc"))[:2]
            ready[name].append(until_ready)
            exits[name].append(until_exit)
    wall = {name: median(values) * 1000 for name, values in ready.items()}
    exit_ms = {name: median(values) * 1000 for name, values in exits.items()}

    ratios = {fn: wall[fn] / wall[f"floor-{fn}"] for fn in TARGETS}
    met = {fn: ratios[fn] <= TARGETS[fn] for fn in TARGETS}
    result = Result("cold-start", TITLE, target=", ".join(f"{fn} <= {t:g}x" for fn, t in TARGETS.items()))
    result.figure = f"ingest {wall['ingest']:.0f} ms, worker {wall['worker']:.0f} ms"
    result.floor = f"boto3+clients {wall['floor-ingest']:.0f} / {wall['floor-worker']:.0f} ms"
    result.ratio = f"{fmt_ratio(ratios['ingest'])} / {fmt_ratio(ratios['worker'])}"
    result.met = all(met.values())
    result.data.update(ready_ms=wall, exit_ms=exit_ms, ratios=ratios)
    result.say(f"median of {runs} fresh interpreters each, interleaved ({python()})")
    result.say(f"  {'variant':14s} {'spawn->ready':>12s} {'spawn->exit':>12s}  ratio to its floor")
    for name in VARIANTS:
        fn = name.split("-")[-1].split("+")[0]
        floor = wall.get(f"floor-{fn}")
        shown = f"{wall[name] / floor:.2f}x" if floor and not name.startswith("floor") else ""
        result.say(f"  {name:14s} {wall[name]:9.1f} ms {exit_ms[name]:9.1f} ms  {shown}")
    for fn, target in TARGETS.items():
        verdict = "met" if met[fn] else "MISSED"
        floor = wall[f"floor-{fn}"]
        result.say(
            f"{fn}: {ratios[fn]:.2f}x the boto3 floor (target <= {target:g}x, {verdict}), "
            f"+{wall[fn] - floor:.0f} ms over it; collecting all along {wall[f'{fn}+gc'] / floor:.2f}x; "
            f"its libraries alone, collecting, {wall[f'libs-{fn}'] / floor:.2f}x"
        )
    extra = wall["worker+verify"] - wall["worker"]
    result.say(f"a delete-mode worker's first DELETE adds {extra:.0f} ms more (twilio.rest, imported on first use)")
    for fn in TARGETS:
        offenders = heavy_imports(fn, f"floor-{fn}")
        listed = ", ".join(f"{pkg} {ms:.1f} ms ({n} modules)" for pkg, ms, n in offenders)
        result.say(f"{fn} imports beyond the floor (-X importtime, self time): {listed}")
    return result


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "cold-start"])
