"""Compare two runs, and the theatre map, in a real browser (Debian's Chromium via Playwright)
that reaches nothing but the local server: the map must draw from the packaged boundaries."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest

import test_browser as tb
from willing.report.theatre import boundaries

pytestmark = tb.pytestmark
browser, server = tb.browser, tb.server  # the same fixtures: one Chromium, one `willing serve`


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    out: dict[str, Any] = json.loads(urllib.request.urlopen(req, timeout=10).read())
    return out


@pytest.fixture(scope="module")
def two_runs(server: str) -> tuple[int, int]:
    """Plans of the small and the medium force option, started as a planner would."""
    ids = []
    for option in ("small", "medium"):
        job = _post(f"{server}/api/jobs", {"kind": "plan", "force_option": option})
        deadline = time.time() + 180
        while (done := json.loads(urllib.request.urlopen(
                f"{server}/api/jobs/{job['id']}", timeout=10).read()))["status"] not in ("done", "failed"):
            assert time.time() < deadline, done
            time.sleep(0.5)
        assert done["status"] == "done", done
        ids.append(int(done["run_id"]))
    return ids[0], ids[1]


def test_compare_two_runs_side_by_side(browser: Any, server: str, two_runs: tuple[int, int]) -> None:
    a, b = two_runs
    expected = json.loads(urllib.request.urlopen(f"{server}/api/compare?a={a}&b={b}", timeout=60).read())
    page, errors = tb._page(browser, server)
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.click("#compare-link")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.select_option("#run-a", str(a))
    page.select_option("#run-b", str(b))
    page.click("#go")
    page.wait_for_selector(f"body[data-compared='{a}-{b}']", timeout=60_000)
    (plan,) = expected["plans"]
    rows = page.locator("#plans section").first.locator("table").first.locator("tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == [h["figure"] for h in plan["headline"]]
    units = next(r for r in rows if r.startswith("units_required")).split("\t")
    required = next(h for h in plan["headline"] if h["figure"] == "units_required")
    assert units[1:3] == [f"{required['a']:,}", f"{required['b']:,}"] and required["delta"] > 0
    better = page.locator("#plans td.delta.better").count()
    worse = page.locator("#plans td.delta.worse").count()
    assert better + worse > 0  # the deltas are highlighted
    summary = page.locator("#scenario-summary li").all_inner_texts()
    assert "force option: small → medium" in summary
    assert page.url.endswith(f"/compare?a={a}&b={b}")
    assert errors == []
    page.close()


def test_the_map_draws_its_regions_offline(browser: Any, server: str, two_runs: tuple[int, int]) -> None:
    page, errors = tb._page(browser, server)
    outside: list[str] = []
    page.on("requestfailed", lambda r: outside.append(r.url))
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.locator(f"#runs tbody tr[data-run='{two_runs[1]}']").click()
    page.wait_for_selector("#chart-map .choroplethlocation", timeout=120_000)
    shapes = page.locator("#chart-map path.choroplethlocation")
    assert shapes.count() == len(boundaries()["features"])
    assert all(d and d.startswith("M") for d in shapes.evaluate_all("ps => ps.map(p => p.getAttribute('d'))"))
    assert page.locator("#chart-map .slider-container").count() == 1
    assert outside == [] and errors == []
    page.close()
