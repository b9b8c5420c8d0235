"""The what-if panel in a real browser (Debian's Chromium via Playwright): toggle a nation off
and see the plan's coverage change to what the API says of that edit."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import test_browser as tb

pytestmark = tb.pytestmark
browser, server = tb.browser, tb.server  # the same fixtures: one Chromium, one `willing serve`


def _api(server: str, body: dict[str, Any]) -> Any:
    req = urllib.request.Request(f"{server}/api/whatif", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=120).read())


def test_toggling_a_nation_off_changes_the_coverage(browser: Any, server: str) -> None:
    page, errors = tb._page(browser, server)
    page.goto(server + "/whatif")
    panel = page.locator("#whatif-panel")
    page.wait_for_selector("#whatif-panel .coverage-units", timeout=120_000)
    page.wait_for_selector("#whatif-panel[data-busy='false']", timeout=120_000)
    before = panel.locator(".coverage-units").inner_text()
    page.locator(".whatif-nation[data-nation='GBR'] input.nation-on").uncheck()
    page.wait_for_function(
        "document.querySelector('.whatif-status').textContent.startsWith('1 edits')",
        timeout=120_000)
    after = panel.locator(".coverage-units").inner_text()
    state = page.locator("#whatif-panel select[name='state']").input_value()
    option = page.locator("#whatif-panel select[name='force_option']").input_value()
    expected = _api(server, {"state": state, "force_option": option, "draws": 1000,
                             "edits": [{"kind": "nation", "target": "GBR", "value": False}]})
    s = expected["summary"]
    assert after != before
    assert after.startswith(f"{s['units_filled']:,} / {s['units_required']:,}")
    personnel = panel.locator(".coverage-personnel").inner_text()
    assert personnel == f"{s['personnel_filled']:,} / {s['personnel_required']:,}"
    assert panel.locator(".whatif-results table").count() == 3  # coverage, leads, gaps
    assert errors == []
    page.close()
