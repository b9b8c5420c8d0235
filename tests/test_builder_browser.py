"""The scenario builder in a real browser (Debian's Chromium via Playwright), served by
`willing serve --users` with a planner and Poland's representative; the page reaches nothing
but the local server, so the editor must come from the installed package."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import test_browser as tb
from willing.scenario import ScenarioError, packaged, parse_scenario

pytestmark = tb.pytestmark
browser = tb.browser  # the same fixture: one Chromium
BASE = packaged.scenario_text(packaged.DEFAULT_SCENARIO)
USERS = "tokens:\n  plan-token: {role: planner, name: J5}\n" \
        "  pol-token: {role: national, nation: POL, name: Polish representative}\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    d = tmp_path_factory.mktemp("builder-browser")
    (d / "users.yaml").write_text(USERS, encoding="utf-8")
    with tb.serving(d / "runs.db", "--users", str(d / "users.yaml")) as base:
        yield base


def _builder(browser: Any, server: str, token: str) -> tuple[Any, list[str]]:
    page, errors = tb._page(browser, server)
    page.goto(f"{server}/builder?token={token}")
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    page.wait_for_selector("#nations details", timeout=60_000)
    return page, errors


def _text(page: Any) -> str:
    return str(page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()"))


def _api(server: str, path: str, token: str) -> Any:
    req = urllib.request.Request(server + path, headers={"Authorization": f"Bearer {token}"})
    return json.loads(urllib.request.urlopen(req, timeout=30).read())


def test_an_uploaded_file_shows_its_error_at_its_line(browser: Any, server: str,
                                                      tmp_path: Path) -> None:
    text = BASE.replace("willingness: 0.85", "willingness: 1.85", 1)
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text)
    (problem,) = exc.value.problems
    page, errors = _builder(browser, server, "plan-token")
    page.set_input_files("#upload", files=[{"name": "uk-keen.yaml", "mimeType": "text/yaml",
                                            "buffer": text.encode()}])
    page.wait_for_selector("#problems li.error", timeout=90_000)
    assert page.locator("#problems li.error").all_inner_texts() == [
        f"line {problem.line}:{problem.column} nations.GBR.willingness: {problem.message}"]
    assert page.locator("#name").input_value() == "uk-keen"
    page.click("#problems li.error")  # scrolls the editor to the line: its marker is drawn
    marked = page.evaluate("""() => {
        const m = document.querySelector('.CodeMirror-gutter-elt .marker.error');
        return m.closest('.CodeMirror-gutter-wrapper').querySelector('.CodeMirror-linenumber')
                .textContent; }""")
    assert marked == str(problem.line)
    assert page.evaluate(f"!!document.querySelector('.CodeMirror').CodeMirror"
                         f".lineInfo({problem.line - 1}).gutterMarkers.problems")
    assert "error" in page.locator("#status").inner_text()
    assert errors == []
    page.close()


def test_a_form_edit_is_saved_as_a_version(browser: Any, server: str) -> None:
    page, errors = _builder(browser, server, "plan-token")
    page.evaluate("document.querySelector('details[data-nation=FRA]').open = true")
    count = page.locator("input[aria-label='FRA-2 count']")
    assert count.input_value() == "3"
    count.fill("5")
    count.press("Tab")
    page.wait_for_function("document.querySelector('.CodeMirror').CodeMirror.getValue()"
                           ".includes('armoured-battalion, count: 5, readiness_days: 60, "
                           "regions: [ua-kyiv, ua-south]')", timeout=90_000)
    assert len(_text(page).splitlines()) == len(BASE.splitlines())
    page.fill("#note", "France adds two armoured battalions")
    page.click("#save")
    page.wait_for_function("document.getElementById('save-message').textContent"
                           ".startsWith('saved version')", timeout=90_000)
    vid = int(page.locator("#save-message").inner_text().rsplit(" ", 1)[1])
    page.wait_for_selector(f"#versions tr[data-id='{vid}']")
    row = page.locator(f"#versions tr[data-id='{vid}']").inner_text()
    assert "France adds two armoured battalions" in row
    assert "pledge FRA-2 armoured-battalion count: 3 → 5" in row
    saved = _api(server, f"/api/versions/{vid}", "plan-token")
    assert saved["yaml"] == _text(page) and saved["author"] == "J5"
    assert page.locator("#download").get_attribute("href").startswith(f"/api/versions/{vid}/download")
    assert errors == []
    page.close()


def test_a_national_representative_cannot_edit_another_nation(browser: Any, server: str) -> None:
    page, errors = _builder(browser, server, "pol-token")
    assert page.locator("input[aria-label='FRA willingness']").is_disabled()
    assert page.locator("input[aria-label='FRA on']").is_disabled()
    assert page.locator("input[aria-label^='FRA-']").count() == 0  # France's pledges not sent
    own = page.locator("input[aria-label='POL-1 count']")
    assert own.is_enabled()
    # through the text: refused, with what they may change
    page.evaluate("""() => { const cm = document.querySelector('.CodeMirror').CodeMirror;
        cm.setValue(cm.getValue().replace('FRA: {tier: lead}', 'FRA: {tier: member}')); }""")
    page.click("#save")
    page.wait_for_function("document.getElementById('save-message').textContent.includes("
                           "'nations.FRA.tier')", timeout=90_000)
    assert "may change only POL's pledges" in page.locator("#save-message").inner_text()
    # their own pledge: a proposal
    page.evaluate("""() => { const cm = document.querySelector('.CodeMirror').CodeMirror;
        cm.setValue(cm.getValue().replace('FRA: {tier: member}', 'FRA: {tier: lead}')); }""")
    page.wait_for_selector("input[aria-label='POL-1 count']")
    own = page.locator("input[aria-label='POL-1 count']")
    own.fill(str(int(own.input_value()) + 1))
    own.press("Tab")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('valid')",
                           timeout=90_000)
    page.click("#save")
    page.wait_for_function("document.getElementById('save-message').textContent"
                           ".startsWith('proposal')", timeout=90_000)
    pid = int(page.locator("#save-message").inner_text().split()[1])
    assert _api(server, f"/api/versions/{pid}", "plan-token")["status"] == "proposed"
    assert errors == [] or all("403" in e for e in errors)  # the refused save, logged by Chromium
    page.close()
