"""No leak: every stored run kind, as every role, through every endpoint of the service, and the
draft endpoint's proposals.

Each response (JSON, report HTML, downloads) is scanned for the ISO code and the name of every
nation of the scenario. A national representative may meet its own nation and the nations in a
public leadership role (lead and framework nations, as coalitions announce them); an observer
only the latter. The planner sees everything, and is checked to (so the scan can find them).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from plotly.offline import get_plotlyjs
from typer.testing import CliRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx versions, not ours
    from fastapi.testclient import TestClient

import willing
from willing.cli import app as cli
from willing.server import create_app
from willing.server.access import Role, Viewer

KINDS: dict[str, list[str]] = {
    "plan": ["plan"],
    "contingency": ["contingency", "--all"],
    "buildup": ["buildup"],
    "sustain": ["sustain"],
    "command": ["command"],
    "burden": ["burden"],
    "stress": ["stress", "--draws", "2000"],
    "pivotal": ["pivotal", "--permutations", "20", "--samples", "20"],
    "sweep": ["sweep", "--grid", "willingness.NOR=0.2,0.8", "--draws", "1000"],
    "asks": ["asks", "--draws", "1000"],
}
"""Every stored run kind, small enough to run in the suite."""

NATIONALS = ["POL", "EST"]
"""A representative of a large contributor and framework nation, and of a small contributor."""

USERS = {"planner": Viewer(Role.PLANNER, name="J5"), "observer": Viewer(Role.OBSERVER),
         **{iso: Viewer(Role.NATIONAL, iso) for iso in NATIONALS}}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, int]]]:
    db = f"sqlite:///{tmp_path_factory.mktemp('leak') / 'runs.db'}"
    ids = {}
    for kind, args in KINDS.items():
        out = CliRunner().invoke(cli, ["--db", db, *args])
        assert out.exit_code == 0, out.output[-2000:]
        ids[kind] = len(ids) + 1
    with TestClient(create_app(db, {f"{who}-token": v for who, v in USERS.items()})) as c:
        assert [r["command"] for r in reversed(c.get("/api/runs?token=planner-token").json())] \
            == list(KINDS)
        c.post("/api/ledger", headers={"Authorization": "Bearer planner-token"}, json={
            "nation": "FRA", "pledge": "FRA-1", "capability": "infantry-battalion", "count": 2,
            "status": "announced", "date": "2025-03-01", "source": "illustrative"})
        yield c, ids


@pytest.fixture(scope="module")
def public() -> set[str]:
    """The nations whose role is public in the packaged scenario's default plan: the leads of
    the force HQ and the components, the framework nations of the regional formations (not of
    the task units the model inserts), and the host nation."""
    sc = willing.load_scenario()
    p = willing.plan(sc)
    cs = willing.command_structure(p)
    regional = cs.formations[~cs.formations["inserted"]]
    nf = sc.nations_frame
    return ({str(x) for x in p.leads["lead"].dropna()} | set(cs.force_leads)
            | {str(x) for x in regional["framework"].dropna()}
            | {str(x) for x in nf.index[nf["tier"] == "host"]})


@cache
def nations() -> dict[str, str]:
    """Every nation of the scenario: code → name."""
    nf = willing.load_scenario().nations_frame
    return {str(iso): str(name) for iso, name in nf["name"].items()}


@cache
def naming() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every code and name of the scenario's nations, and each match → code."""
    code = {**{iso: iso for iso in nations()}, **{name: iso for iso, name in nations().items()}}
    return re.compile(r"\b(" + "|".join(map(re.escape, code)) + r")\b"), code


def endpoints(ids: dict[str, int]) -> list[str]:
    out = ["/api/whoami", "/api/analyses", "/api/scenarios", "/api/scenarios/ukraine-2025/pledges",
           "/api/runs", "/api/ledger", "/api/ledger/summary"]
    for i in ids.values():
        out += [f"/api/runs/{i}", f"/api/runs/{i}/sections", f"/api/runs/{i}/report",
                f"/api/runs/{i}/json"]
    return out


def named(text: str) -> set[str]:
    """The nations of the scenario that `text` names, by code or by name."""
    pattern, code = naming()
    return {code[m] for m in pattern.findall(text)}


def fetch(c: TestClient, path: str, who: str) -> str:
    r = c.get(path, headers={"Authorization": f"Bearer {who}-token"})
    assert r.status_code == 200, (path, who, r.text[:300])
    return r.text.replace(get_plotlyjs(), "")


@pytest.mark.parametrize("who", [*NATIONALS, "observer"])
def test_no_role_meets_another_nation_anywhere(service: tuple[TestClient, dict[str, int]],
                                               public: set[str], who: str) -> None:
    c, ids = service
    allowed = public | ({who} if who in NATIONALS else set())
    leaks = {path: sorted(named(fetch(c, path, who)) - allowed) for path in endpoints(ids)}
    assert {p: n for p, n in leaks.items() if n} == {}


def test_the_scan_finds_what_the_planner_sees(service: tuple[TestClient, dict[str, int]],
                                              public: set[str]) -> None:
    c, ids = service
    private = set(nations()) - public
    assert len(private) >= 20  # the scan is worth something: most nations lead nothing
    for kind in ("plan", "stress", "command", "contingency"):
        seen = named(fetch(c, f"/api/runs/{ids[kind]}", "planner"))
        assert len(seen & private) >= 10, (kind, seen)
    assert named(fetch(c, f"/api/runs/{ids['plan']}/report", "planner")) >= private - {"USA"}


def test_own_rows_stay_everywhere(service: tuple[TestClient, dict[str, int]]) -> None:
    c, ids = service
    tree = c.get(f"/api/runs/{ids['command']}?token=POL-token").json()["payload"]["tree"]
    full = c.get(f"/api/runs/{ids['command']}?token=planner-token").json()["payload"]["tree"]
    assert units(tree, "POL") == units(full, "POL") and len(units(full, "POL")) >= 1
    assert {n for n, _ in units(tree, None)} == {"POL"}
    assert units(c.get(f"/api/runs/{ids['command']}?token=observer-token").json()["payload"]
                 ["tree"], None) == []
    stress = c.get(f"/api/runs/{ids['stress']}?token=EST-token").json()["payload"]
    assert stress["assumptions"]["willingness"] == {"EST": pytest.approx(
        willing.load_scenario().nations_frame.loc["EST", "willingness"])}
    plan = c.get(f"/api/runs/{ids['plan']}?token=EST-token").json()["payload"]
    assert {a["nation"] for a in plan["allocation"]} == {"EST"}
    assert any("another nation" in g["reason"] for g in plan["gaps"])


STATEMENT = ("France and the United Kingdom will lead a multinational force for Ukraine after a "
             "ceasefire. Poland will not send troops to Ukraine. Estonia will send an infantry "
             "company. Norway, Finland and Sweden are considering air policing. Romania will "
             "provide a logistics battalion, on condition of a UN mandate. Ten European nations "
             "back the plan.")
"""A statement naming many nations, their stances, conditions and a group."""


def drafted(c: TestClient, who: str) -> Any:
    r = c.post("/api/draft", headers={"Authorization": f"Bearer {who}-token"},
               json={"text": STATEMENT, "scenario": "ukraine-2025", "date": "2025-03-01"})
    assert r.status_code == 200, r.text[:300]
    return r


@pytest.mark.parametrize("who", [*NATIONALS, "observer"])
def test_the_draft_endpoint_gives_no_role_another_nation(
        service: tuple[TestClient, dict[str, int]], public: set[str], who: str) -> None:
    c, _ = service
    allowed = public | ({who} if who in NATIONALS else set())
    body = drafted(c, who)
    assert named(body.text) - allowed == set()
    mine = {p["nation"] for p in body.json()["proposals"]}
    assert mine <= {who, None}
    if who in NATIONALS:  # the viewer's own proposals stay (their text filtered like any)
        full = drafted(c, "planner").json()["proposals"]
        assert [(p["kind"], p["change"]) for p in body.json()["proposals"] if p["nation"] == who] \
            == [(p["kind"], p["change"]) for p in full if p["nation"] == who] != []


def test_the_scan_finds_what_the_draft_tells_the_planner(
        service: tuple[TestClient, dict[str, int]], public: set[str]) -> None:
    c, _ = service
    assert {"EST", "NOR", "FIN", "SWE", "ROU", "POL"} <= named(drafted(c, "planner").text)


def test_asks_show_each_representative_its_own_asks(
        service: tuple[TestClient, dict[str, int]]) -> None:
    c, ids = service
    full = c.get(f"/api/runs/{ids['asks']}?token=planner-token").json()["payload"]
    assert len({line["nation"] for line in full["lines"]}) >= 3
    for who in NATIONALS:
        mine = c.get(f"/api/runs/{ids['asks']}?token={who}-token").json()["payload"]
        for part in ("lines", "asks", "by_nation"):
            assert mine[part] == [r for r in full[part] if r["nation"] == who]
        assert mine["summary"] == full["summary"]  # the aggregate effect, for every viewer
    panel = {s["id"]: s for s in c.get(f"/api/runs/{ids['asks']}/sections?token=planner-token"
                                       ).json()["sections"]}["asks"]
    listed = panel["table"]["data"]
    assert len(listed) == len(full["lines"]) and listed


def units(node: dict[str, Any], nation: str | None) -> list[tuple[str, str]]:
    """(nation, id) of every unit node of a tree, of `nation` (None: any)."""
    own = [(node["nation"], node["id"])] if node.get("kind") == "unit" and (
        nation is None or node.get("nation") == nation) else []
    return own + [u for c in node.get("children", []) for u in units(c, nation)]


def test_a_run_of_an_unknown_command_is_filtered_cautiously(tmp_path: Path) -> None:
    from willing.store import Store

    with Store(f"sqlite:///{tmp_path / 'r.db'}") as st:
        run_id = st.add("retired-analysis", {"by": {"FRA": 1, "POL": 2},
                                             "rows": [{"nation": "FRA"}, {"nation": "POL"}],
                                             "note": "FRA and Poland"},
                        scenario=willing.load_scenario())
    with TestClient(create_app(f"sqlite:///{tmp_path / 'r.db'}",
                               {"t": Viewer(Role.NATIONAL, "POL")})) as c:
        body = c.get(f"/api/runs/{run_id}?token=t").json()["payload"]
    assert body == {"by": {"POL": 2}, "rows": [{"nation": "POL"}],
                    "note": "another nation and Poland"}
