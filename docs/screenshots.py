"""Screenshots of the main views into docs/img/*.png, so the pictures in the docs stay current.

Starts `willing serve` on a free local port with a store in a temporary directory, plans the
packaged scenario twice (the small and the medium force option) through the API, and captures
each view of `VIEWS` with Debian's Chromium through Playwright (a dev dependency):

    python docs/screenshots.py              # every view
    python docs/screenshots.py compare map  # some of them

A new page (the builder, what-if) is one more `View` in the list.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "img"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 860}


@dataclass(frozen=True)
class View:
    """One picture: the page at `path` (`{a}` and `{b}` are the two runs' ids), what to click
    first, the element that says it is drawn, and the element to capture (None: the window)."""

    name: str
    path: str
    ready: str
    click: str | None = None
    element: str | None = None
    loaded: str = "body[data-ready='1']"
    """The element that says the page has loaded (before `click`)."""


VIEWS = [
    View("dashboard-run", "/", "#chart-allocation .main-svg", click="#runs tbody tr[data-run='{b}']"),
    View("compare", "/compare?a={a}&b={b}", "body[data-compared='{a}-{b}']"),
    View("map", "/", "#chart-map .choroplethlocation", click="#runs tbody tr[data-run='{b}']",
         element="#section-map"),
    View("builder", "/builder", "#whatif-panel[data-busy='false']"),
    View("whatif", "/whatif", "#whatif-panel[data-busy='false']",
         loaded="#whatif-panel[data-mounted='true']"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> Any:
    return json.loads(urllib.request.urlopen(url, timeout=30).read())


@contextmanager
def serve(db: Path) -> Iterator[str]:
    """`willing serve` as a user starts it, on 127.0.0.1, stopped on exit."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from willing.cli import main; main()",
                             "--db", f"sqlite:///{db}", "serve", "--port", str(port)],
                            env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                _get(f"{base}/api/whoami")
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("willing serve did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def plan(base: str, force_option: str) -> int:
    """Start a plan through the API and wait for its run id."""
    req = urllib.request.Request(f"{base}/api/jobs", method="POST",
                                 data=json.dumps({"kind": "plan", "force_option": force_option}).encode(),
                                 headers={"Content-Type": "application/json"})
    job = json.loads(urllib.request.urlopen(req, timeout=30).read())
    deadline = time.time() + 300
    while (done := _get(f"{base}/api/jobs/{job['id']}"))["status"] not in ("done", "failed"):
        if time.time() > deadline:
            raise RuntimeError(f"plan {force_option} did not finish: {done}")
        time.sleep(0.5)
    if done["status"] != "done":
        raise RuntimeError(f"plan {force_option} failed: {done['error']}")
    return int(done["run_id"])


def capture(names: list[str]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    views = [v for v in VIEWS if not names or v.name in names]
    OUT.mkdir(exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "runs.db") as base, \
            sync_playwright() as p:
        ids = {"a": plan(base, "small"), "b": plan(base, "medium")}
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for v in views:
            page = browser.new_page(viewport=VIEWPORT)
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(base) else route.abort())
            page.goto(base + v.path.format(**ids))
            page.wait_for_selector(v.loaded, timeout=60_000)
            if v.click:
                page.click(v.click.format(**ids))
            page.wait_for_selector(v.ready.format(**ids), timeout=180_000)
            page.wait_for_timeout(500)  # plotly's transitions
            out = OUT / f"{v.name}.png"
            target = page.locator(v.element) if v.element else page
            target.screenshot(path=str(out))
            written.append(out)
            page.close()
        browser.close()
    return written


def main() -> None:
    for out in capture(sys.argv[1:]):
        print(f"{out.relative_to(OUT.parent.parent)}: {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
