"""In a real browser (Debian's Chromium through Playwright): the dashboard plans, the report draws.

The browser gets no network beyond the local server: a chart that needed a CDN would not draw.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import willing
from willing.report import bundle, render, sections

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium (installed by .ci/run)"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db: Path, *options: str) -> Iterator[str]:
    """`willing serve` as a user starts it (with `options`), on a free port of 127.0.0.1."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from willing.cli import main; main()",
                             "--db", f"sqlite:///{db}", "serve", "--port", str(port), *options],
                            env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/openapi.json", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    out = proc.stdout.read() if proc.stdout else ""
                    raise RuntimeError(f"willing serve did not start: {out}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`willing serve` without users: everyone is a coalition planner."""
    with serving(tmp_path_factory.mktemp("browser") / "runs.db") as base:
        yield base


def _page(browser: Any, allowed: str) -> tuple[Any, list[str]]:
    """A page that records console errors and reaches nothing but `allowed`."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed)
               else route.abort())
    return page, errors


def test_dashboard_plans_and_shows_the_lead_nations(browser: Any, server: str) -> None:
    leads = willing.plan(willing.load_scenario()).leads
    entry = {"nation": "POL", "pledge": "POL-1", "capability": "infantry-battalion", "count": 4,
             "status": "committed", "date": "2025-05-01", "source": "test entry"}
    urllib.request.urlopen(urllib.request.Request(
        f"{server}/api/ledger", data=json.dumps(entry).encode(), method="POST",
        headers={"Content-Type": "application/json"}), timeout=10).read()
    page, errors = _page(browser, server)
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    rows = page.locator("#ledger tbody tr").all_inner_texts()
    summary = json.loads(urllib.request.urlopen(f"{server}/api/ledger/summary", timeout=10).read())
    assert rows == [f"{r['capability']}\t{r['status']}\t{r['units']}" for r in summary]
    assert "infantry-battalion\tcommitted\t4" in rows  # the step posted above, beside the packaged ledger
    assert page.locator("#state").input_value() == willing.load_scenario().default_state
    page.click("#run")
    page.wait_for_selector("#chart-allocation .main-svg", timeout=120_000)
    page.wait_for_selector("#section-leads table", timeout=30_000)
    assert page.locator("#progress").evaluate("p => p.value") == 1
    rows = page.locator("#section-leads table tbody tr").all_inner_texts()
    shown = {r.split("\t")[0]: r.split("\t")[1] for r in rows}
    assert shown == dict(zip(leads["component"], leads["lead"], strict=True))
    assert page.locator("#sections .js-plotly-plot").count() >= 5
    assert page.locator("#runs tbody tr").count() == 1
    assert errors == []
    page.close()


def test_dashboard_runs_a_timeline_and_draws_its_chart(browser: Any, server: str) -> None:
    page, errors = _page(browser, server)
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.select_option("#kind", "timeline")
    assert page.locator("#draws-label").is_visible()
    page.fill("#draws", "500")
    page.click("#run")
    page.wait_for_selector("#chart-timeline .main-svg", timeout=180_000)
    runs = json.loads(urllib.request.urlopen(f"{server}/api/runs?command=timeline",
                                             timeout=10).read())
    [run] = runs
    stored = json.loads(urllib.request.urlopen(f"{server}/api/runs/{run['id']}",
                                               timeout=10).read())
    dates = [d["date"] for d in stored["payload"]["dates"]]
    assert stored["params"]["draws"] == 500 and len(dates) >= 20  # monthly from February 2025
    traces = page.locator("#chart-timeline").evaluate(
        "d => d.data.map(t => [t.name, Array.from(t.x)])")
    assert [name for name, _ in traces] == ["units filled", "personnel filled",
                                            "essential units filled",
                                            "P(every essential requirement met)"]
    assert all(x == dates for _, x in traces)
    assert page.locator("#chart-timeline .scatterlayer .trace").count() == 4
    assert errors == []
    page.close()


def test_report_renders_every_chart_offline(browser: Any, tmp_path: Path) -> None:
    b = bundle.build(willing.load_scenario())
    expected = [s.id for s in sections(b) if s.figure is not None]
    out = tmp_path / "report.html"
    out.write_text(render(b), encoding="utf-8")
    page, errors = _page(browser, "file://")
    page.goto(out.as_uri())
    page.wait_for_load_state("load")
    drawn = page.locator(".js-plotly-plot .main-svg")
    drawn.first.wait_for(timeout=30_000)
    ids = page.locator(".js-plotly-plot").evaluate_all("els => els.map(e => e.id)")
    assert ids == [f"fig-{i}" for i in expected]
    assert page.locator(".js-plotly-plot").evaluate_all(
        "els => els.every(e => e.querySelector('.main-svg') && e._fullData.length > 0)")
    assert errors == []
    page.close()
