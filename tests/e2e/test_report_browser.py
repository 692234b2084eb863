"""The HTML report in a real headless Chromium, at phone and desktop widths: what a person would see.

A copy of the page gets a probe script that measures the laid-out page and writes the result into the DOM,
which `--dump-dom` prints (the page itself runs no script: its Content-Security-Policy forbids it). Headless
Chromium keeps its window at least 500 px wide, so the copy is shown in an iframe exactly `width` px wide:
its media queries and layout are those of a screen that wide.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from factor_cleanup.reports.build import period_since, write_report
from tests.fakes import FakeLedger, FixedClock
from tests.report_ledger import HOSTILE_IDENTITY, NOW, known_actions

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium)"
)

PROBE = """<script>(function () {
  function box(selector) {
    var element = document.querySelector(selector);
    if (!element) return null;
    var r = element.getBoundingClientRect();
    return {top: r.top, width: r.width, height: r.height};
  }
  function shownRows() {
    return Array.prototype.filter.call(document.querySelectorAll('#actions tbody tr'), function (row) {
      return row.getClientRects().length > 0;
    }).map(function (row) { return row.className; });
  }
  function actionTable() {
    var scroller = document.querySelector('#actions .scroll'), cells = document.querySelectorAll('#actions td');
    var clipped = Array.prototype.filter.call(cells, function (cell) { return cell.scrollWidth > cell.clientWidth + 1; });
    var rights = Array.prototype.map.call(document.querySelectorAll('#actions th, #actions tr'), function (element) {
      return element.getBoundingClientRect().right;
    });
    return {scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth, clippedCells: clipped.length,
            right: Math.max.apply(null, rights)};
  }
  var probe = {
    title: document.title, text: document.body.innerText, viewport: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth, scripts: document.scripts.length,
    attention: box('#attention'), summary: box('#summary'), actions: box('#actions'), chart: box('#deletions-chart'),
    bars: document.querySelectorAll('#deletions-chart rect').length,
    firstItem: (document.querySelector('#attention li') || {}).innerText,
    tableHeader: getComputedStyle(document.querySelector('#actions thead') || document.body).display,
    table: actionTable()
  };
  location.hash = 'only-would_delete';  /* what following the "Would delete" link does */
  probe.narrowed = shownRows();
  location.hash = 'actions';  /* the "All" link */
  probe.all = shownRows();
  var pre = parent.document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(probe);
  parent.document.body.appendChild(pre);
})();</script>"""


def chromium(*args: str, profile: Path) -> str:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    ledger = FakeLedger()
    for action in known_actions():
        ledger.record(action)
    period = period_since(FixedClock(NOW), "7d")
    out = io.StringIO()
    write_report("html", ledger.records_between(period.start, period.end), period, out, dlq_depth=3)
    path = tmp_path_factory.mktemp("report") / "cleanup.html"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def seen(page: Path, width: int, tmp_path: Path) -> dict:
    """Lay the page out at `width` CSS pixels and return what the probe measured."""
    probed = page.read_text(encoding="utf-8").replace(
        "default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';"
    )
    probed = probed.replace("</body>", PROBE + "</body>")
    frame = f'<iframe style="border:0;width:{width}px;height:900px" srcdoc="{html.escape(probed)}"></iframe>'
    wrapper = tmp_path / f"probed-{width}.html"
    wrapper.write_text(f'<!doctype html><html><body style="margin:0">{frame}</body></html>', encoding="utf-8")
    dom = chromium(
        f"--window-size={max(width, 600) + 40},1000", "--dump-dom", wrapper.as_uri(), profile=tmp_path / "profile"
    )
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert match, dom[-2000:]
    return json.loads(html.unescape(match.group(1)))


@pytest.mark.parametrize("width", [375, 1280])
def test_a_person_sees_attention_first_then_totals_chart_and_actions(page, width, tmp_path):
    view = seen(page, width, tmp_path)
    assert view["title"] == "push-janitor cleanup report, 2026-11-18 12:00 – 2026-11-25 12:00 UTC"
    assert view["attention"]["top"] < view["summary"]["top"] < view["actions"]["top"]
    assert view["firstItem"].startswith("CRITICAL") and "Error 52143" in view["firstItem"]
    assert "What to do:" in view["firstItem"]
    assert re.search(r"\b14\s+Events\b", view["text"]) and re.search(r"\b3\s+Deleted\b", view["text"])
    assert (
        view["chart"]["width"] > 250 and view["chart"]["height"] > 100 and view["bars"] == 4
    )  # two stacked bars of two parts each
    assert view["scrollWidth"] <= view["viewport"] == width, "the page must not scroll sideways"
    assert HOSTILE_IDENTITY in view["text"] and view["scripts"] == 1  # shown as text, never run: only the probe ran


def test_on_a_phone_each_action_is_a_card_and_on_a_desktop_a_table(page, tmp_path):
    assert seen(page, 375, tmp_path)["tableHeader"] == "none"
    assert seen(page, 1280, tmp_path)["tableHeader"] == "table-header-group"


@pytest.mark.parametrize("width", [375, 1280])
def test_every_column_of_every_action_is_on_screen_without_sideways_scrolling(page, width, tmp_path):
    """1280 px: the table, Reason column included, fits its box. 375 px: stacked cards, each as wide as the screen."""
    view = seen(page, width, tmp_path)
    table = view["table"]
    assert table["scrollWidth"] <= table["clientWidth"], "the action table scrolls sideways"
    assert table["right"] <= width and table["clippedCells"] == 0, "a column or a cell's text is cut off"
    assert view["scrollWidth"] <= width


@pytest.mark.parametrize("width", [375, 1280])
def test_one_link_narrows_the_actions_to_one_outcome_without_script(page, width, tmp_path):
    view = seen(page, width, tmp_path)
    assert view["narrowed"] == ["o-would_delete"] * 2  # the ledger's two would_delete actions, nothing else
    assert len(view["all"]) == 14 and view["scripts"] == 1  # only the probe: the page's filter is CSS


def test_the_page_renders_under_its_own_strict_policy(page, tmp_path):
    dom = chromium("--window-size=375,900", "--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert "<svg" in dom and "Needs attention (6)" in dom and "Actions (14)" in dom
    shot = tmp_path / "phone.png"
    chromium("--window-size=375,1400", f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "profile")
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(header[16:20], "big") == 375
