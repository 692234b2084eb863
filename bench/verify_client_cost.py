"""Is a slimmer Verify client worth it? What a delete-mode worker's first DELETE adds in imports.

twilio's REST client is imported on the first DELETE, after the cold start. Each variant is a fresh
interpreter that builds the worker as its first invocation does, then creates one Verify client: twilio's
(as factor_cleanup.adapters.twilio.verify_api does), a plain requests session, or a urllib3 pool (botocore already
imports urllib3). The difference to the worker alone is what that client costs once per worker instance.
"""

from __future__ import annotations

from collections import defaultdict

from bench.cold_start import VARIANTS, run_child
from bench.common import Result, median

TITLE = "Verify client import (first DELETE)"
WORKER = VARIANTS["worker"]
CLIENTS = {
    "twilio": "from factor_cleanup.adapters.twilio.verify_api import TwilioVerifyApi\nTwilioVerifyApi('AC' + '5' * 32, 'user', 'secret')",
    "requests": "import requests\nfrom requests.adapters import HTTPAdapter\n"
    "requests.Session().mount('https://', HTTPAdapter(pool_maxsize=16))",
    "urllib3": "import urllib3\nurllib3.PoolManager(maxsize=16)",
}


def run(quick: bool = False) -> Result:
    variants = {"worker": WORKER, **{name: f"{WORKER}\n{code}" for name, code in CLIENTS.items()}}
    for code in variants.values():  # warm the page cache and __pycache__
        run_child(code)
    ready: dict[str, list[float]] = defaultdict(list)
    for _ in range(5 if quick else 21):
        for name, code in variants.items():  # interleaved, so drift hits every variant alike
            ready[name].append(run_child(code)[0] * 1000)
    ms = {name: median(values) for name, values in ready.items()}
    added = {name: ms[name] - ms["worker"] for name in CLIENTS}
    result = Result("verify-client", TITLE)
    result.figure = f"twilio +{added['twilio']:.0f} ms"
    result.floor = f"requests +{added['requests']:.0f} ms, urllib3 +{added['urllib3']:.0f} ms"
    result.data.update(ready_ms=ms, added_ms=added)
    result.say(
        f"worker alone {ms['worker']:.0f} ms to ready (median of {len(ready['worker'])}); its first client adds:"
    )
    for name in CLIENTS:
        result.say(f"  {name:9s} +{added[name]:5.1f} ms")
    return result


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "verify-client"])
