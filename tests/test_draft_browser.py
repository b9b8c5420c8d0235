"""The dashboard's "read a statement" box in a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import test_browser as tb

pytestmark = tb.pytestmark
browser, server = tb.browser, tb.server  # the same fixtures: one Chromium, one `willing serve`


def test_paste_box_proposes_and_ticks(browser: Any, server: str) -> None:
    page, errors = tb._page(browser, server)
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.fill("#draft-text", "Denmark rules out sending troops to Ukraine. Freedonia will send "
                             "troops. Luxembourg is ready to send troops after a ceasefire.")
    page.click("#draft-read")
    page.wait_for_selector("#draft-proposals tbody tr", timeout=30_000)
    rows = page.locator("#draft-proposals tbody tr").all_inner_texts()
    kinds = {r.split("\t")[1] for r in rows}
    assert {"caveat", "ledger", "new-nation"} <= kinds, rows
    assert "Freedonia" in page.locator("#draft-message").inner_text()
    assert page.locator("#draft-proposals input:checked").count() == len(rows)
    page.locator("#draft-proposals input").first.uncheck()
    with page.expect_download() as dl:
        page.click("#draft-download")
    assert dl.value.suggested_filename == "willing-draft-accepted.json"
    saved = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert len(saved) == len(rows) - 1 and all("sentence" in p for p in saved)
    page.fill("#draft-text", "The museum reopened its galleries.")
    page.click("#draft-read")
    page.wait_for_function(
        "document.getElementById('draft-message').textContent.startsWith('no proposals')")
    assert errors == []
    page.close()
