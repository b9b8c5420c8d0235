"""The public ledger: the packaged file, its validation, pledges as of a date, the store's rows."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from willing.scenario import ScenarioError, load_scenario, packaged
from willing.scenario.ledger import (
    ACTIVE,
    COLUMNS,
    LedgerError,
    as_of,
    ledger_frame,
    packaged_ledger,
    parse_ledger,
    read_ledger,
    store_rows,
)
from willing.scenario.model import MISSION_LINES
from willing.store import Store, ledger_summary

EARLY, TODAY = date(2025, 3, 1), date(2026, 11, 29)
HEADER = ",".join(COLUMNS)
GOOD = ('L001,2025-09-04,POL,ruled-out,land,,ukraine,,No troops,"Polskie Radio, 4 Sep 2025",'
        "https://www.polskieradio.pl/x,Poland does not foresee sending soldiers to Ukraine")


def test_packaged_ledger_spans_the_period_and_the_coalition() -> None:
    entries = packaged_ledger()
    assert len(entries) >= 60
    assert len({e.nation for e in entries}) >= 25
    assert min(e.date for e in entries) >= date(2025, 2, 1)
    assert max(e.date for e in entries) <= TODAY
    assert all(e.url.startswith("http") and e.quote and e.source for e in entries)
    ruled_out = {e.nation for e in entries if e.status == "ruled-out"}
    assert {"POL", "ITA"} <= ruled_out


def test_frame_has_one_row_per_entry() -> None:
    frame = ledger_frame(packaged_ledger())
    assert frame.index.is_unique and len(frame) == len(packaged_ledger())
    assert list(frame.columns) == list(COLUMNS[1:])
    assert str(frame["count"].dtype) == "Int64"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("date", "2025-13-04", "must be an ISO date YYYY-MM-DD, got '2025-13-04'"),
    ("status", "pledged", "must be one of announced, committed, deployed, ruled-out, withdrawn"),
    ("nation", "XXX", "must be an ISO 3166 alpha-3 code"),
    ("capability", "tank-army", "must be a capability id from the catalogue or a mission line"),
    ("count", "3", "a count needs a catalogue capability, not a mission line"),
    ("count", "-1", "must be a whole number ≥ 0 or empty, got '-1'"),
    ("where", "kyiv", "must be ukraine, outside-ukraine or empty, got 'kyiv'"),
    ("conditions", "ceasefire|peace", "unknown condition 'peace'; valid: us-backstop"),
    ("quote", " ".join(["word"] * 26), "at most 25 words, got 26"),
    ("statement", "x" * 201, "at most 200 characters, got 201"),
    ("url", "www.example.org", "must start with http:// or https://"),
    ("id", "7", "must be L followed by digits"),
])
def test_a_bad_field_names_file_line_field_and_what_is_valid(field: str, value: str,
                                                             message: str) -> None:
    values = dict(zip(COLUMNS, next(csv.reader([GOOD])), strict=True))
    values[field] = value
    row = ",".join(f'"{v}"' for v in values.values())
    with pytest.raises(LedgerError) as err:
        parse_ledger(f"{HEADER}\n{GOOD}\n{row}\n", "my-ledger.csv")
    text = str(err.value)
    assert text.startswith(f"my-ledger.csv:3 {field}: ") and message in text, text


def test_header_duplicates_and_field_count_are_errors(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match=r"my.csv:1 header: columns must be id,date"):
        parse_ledger("id,date\n", "my.csv")
    dup = GOOD.replace("2025-09-04", "2025-09-05")
    with pytest.raises(LedgerError) as err:
        parse_ledger(f"{HEADER}\n{GOOD}\n{dup}\n{GOOD.replace('L001', 'L002')}\n", "my.csv")
    assert "my.csv:3 id: duplicate id L001 (first on line 2)" in str(err.value)
    assert "my.csv:4 date: POL land already has a step on 2025-09-04 (line 2)" in str(err.value)
    path = tmp_path / "short.csv"
    path.write_text(f"{HEADER}\nL001,2025-09-04,POL\n", encoding="utf-8")
    with pytest.raises(LedgerError, match=r"short.csv:2 row: expected 12 fields"):
        read_ledger(path)


def _matches(p: dict[str, str], key: str, scenario_lines: dict[str, str]) -> bool:
    if key in MISSION_LINES:
        return packaged.capabilities()[p["capability"]].component == scenario_lines.get(key)
    return p["capability"] == key


def _latest(day: date) -> dict[tuple[str, str], object]:
    steps: dict[tuple[str, str], object] = {}
    for e in sorted(packaged_ledger(), key=lambda e: e.date):
        if e.date <= day:
            steps[(e.nation, e.capability)] = e
    return steps


@pytest.mark.parametrize("day", [EARLY, date(2025, 9, 30), TODAY])
def test_packaged_scenario_as_of_a_date_follows_the_ledger(day: date) -> None:
    scenario = load_scenario(as_of=day)
    lines = {k: v.component for k, v in scenario.spec.mission_lines.items()}
    in_ukraine = {r for r, spec in scenario.spec.regions.items() if spec.in_ukraine}
    frame = scenario.pledges_frame
    latest = _latest(day)
    stated = {n for n, _ in latest}
    assert set(frame["nation"]) <= stated  # no statement by the date, no pledge
    for (nation, key), e in latest.items():
        if nation not in scenario.spec.nations:
            continue
        mine = frame[frame["nation"] == nation].to_dict("records")
        if e.status in ACTIVE:  # each statement brings pledges that name it and its conditions
            brought = [p for p in mine if p["source"].startswith(f"ledger {e.id}:")]
            assert brought, (nation, key, e.id)
            assert all(set(e.conditions) <= set(p["conditions"].split(",")) for p in brought)
        elif e.status == "ruled-out" and e.where == "ukraine":  # the caveat holds
            for p in mine:
                if _matches(p, key, lines):
                    assert not set(p["regions"].split(",")) & in_ukraine, (nation, p)


def test_the_two_dates_differ_where_the_ledger_changed() -> None:
    early, today = load_scenario(as_of=EARLY), load_scenario(as_of=TODAY)
    first_active: dict[str, date] = {}
    for e in packaged_ledger():
        if e.status in ACTIVE and e.nation in today.spec.nations:
            first_active[e.nation] = min(first_active.get(e.nation, e.date), e.date)
    active_today = {n for (n, _), e in _latest(TODAY).items() if e.status in ACTIVE}
    joined_since = {n for n, d in first_active.items() if EARLY < d <= TODAY} & active_today
    assert joined_since  # the ledger has nations that spoke up after March 2025
    early_nations = set(early.pledges_frame["nation"])
    today_nations = set(today.pledges_frame["nation"])
    assert joined_since <= today_nations and not joined_since & early_nations
    # Italy ruled out land forces in Ukraine; what it offers today stays outside Ukraine
    in_ukraine = {r for r, s in today.spec.regions.items() if s.in_ukraine}
    italy = today.pledges_frame[today.pledges_frame["nation"] == "ITA"]
    assert len(italy) and not any(set(r.split(",")) & in_ukraine for r in italy["regions"])


def test_without_as_of_nothing_changes() -> None:
    assert load_scenario().pledges_frame.equals(load_scenario(as_of=None).pledges_frame)
    assert load_scenario(as_of=TODAY).sha256 != load_scenario().sha256


def _entries(*rows: str) -> list:
    body = "\n".join(f"L{i:03d},{row},statement,source,https://example.org,quote"
                     for i, row in enumerate(rows, 1))
    return parse_ledger(f"{HEADER}\n{body}\n")


DOC = {
    "regions": {"ua-west": {"in_ukraine": True}, "nato-east": {"in_ukraine": False}},
    "mission_lines": {"land": {"component": "LAND"}, "maritime": {"component": "MARITIME"}},
    "ledger": {"pledges": {"mcm-vessel": [{"capability": "mcm-vessel", "count": 2,
                                           "regions": ["nato-east"]}]}},
    "nations": {
        "EST": {"pledges": [
            {"capability": "infantry-battalion", "share_of_active": 0.02,
             "regions": ["ua-west", "nato-east"]},
            {"capability": "logistics-battalion", "count": 3, "regions": ["nato-east"]},
            {"capability": "frigate", "count": 2, "regions": ["nato-east"]}]},
        "LVA": {"pledges": [{"capability": "frigate", "count": 4, "regions": ["nato-east"]}]},
    },
}
COMPONENTS = {cid: c.component for cid, c in packaged.capabilities().items()}


def test_as_of_counts_scopes_caveats_and_withdrawals() -> None:
    entries = _entries(
        "2025-03-01,EST,announced,infantry-battalion,5,,ceasefire",
        "2025-04-01,EST,committed,infantry-battalion,,,",
        "2025-03-01,EST,announced,land,,outside-ukraine,parliament",
        "2025-05-01,EST,ruled-out,frigate,,,",
        "2025-03-01,EST,announced,maritime,,,",
        "2025-03-01,LVA,announced,mcm-vessel,,,",
        "2025-06-01,LVA,withdrawn,mcm-vessel,,,",
    )
    before = repr(DOC)
    out, _ = as_of(DOC, entries, date(2025, 3, 15), COMPONENTS)
    assert repr(DOC) == before  # pure
    est = {p["capability"]: p for p in out["nations"]["EST"]["pledges"]}
    assert est["infantry-battalion"]["count"] == 5 and "share_of_active" not in est["infantry-battalion"]
    assert est["infantry-battalion"]["conditions"] == ["ceasefire"]
    assert est["logistics-battalion"]["conditions"] == ["parliament"]  # brought by `land`
    assert "frigate" in est  # not yet ruled out
    assert [p["capability"] for p in out["nations"]["LVA"]["pledges"]] == ["mcm-vessel"]  # template

    out, _ = as_of(DOC, entries, date(2025, 7, 1), COMPONENTS)
    est = {p["capability"]: p for p in out["nations"]["EST"]["pledges"]}
    assert est["infantry-battalion"]["count"] == 5  # committed without a number: the count stands
    assert "frigate" not in est  # ruled out everywhere
    assert out["nations"]["LVA"]["pledges"] == []  # withdrawn


def test_latest_step_wins_and_scope_narrows() -> None:
    entries = _entries("2025-03-01,EST,announced,infantry-battalion,5,,",
                       "2025-04-01,EST,committed,infantry-battalion,,outside-ukraine,",
                       "2025-05-01,EST,withdrawn,infantry-battalion,,,",
                       "2025-06-01,EST,announced,infantry-battalion,,,")
    out, steps = as_of(DOC, entries, date(2025, 4, 2), COMPONENTS)
    inf = out["nations"]["EST"]["pledges"][0]
    assert (inf["regions"], inf["count"]) == (["nato-east"], 5)
    assert any(s.entry == "L002" and s.effect.startswith("pledge est-1") for s in steps)
    out, _ = as_of(DOC, entries, date(2025, 6, 1), COMPONENTS)
    inf = out["nations"]["EST"]["pledges"][0]  # made again after the withdrawal: no count carried
    assert inf.get("share_of_active") == 0.02 and "count" not in inf
    assert inf["regions"] == ["ua-west", "nato-east"]
    out, steps = as_of(DOC, _entries("2025-05-01,EST,ruled-out,land,,ukraine,",
                                     "2025-03-01,EST,announced,infantry-battalion,,,"),
                       date(2025, 6, 1), COMPONENTS)
    assert out["nations"]["EST"]["pledges"][0]["regions"] == ["nato-east"]
    assert any("caveat: land not in Ukraine" in s.effect for s in steps)


def test_unstated_nations_drop_or_keep_their_pledges() -> None:
    entries = _entries("2025-03-01,EST,announced,frigate,,,")
    out, _ = as_of(DOC, entries, date(2025, 3, 1), COMPONENTS)
    assert out["nations"]["LVA"]["pledges"] == []
    keep = {**DOC, "ledger": {"unstated": "keep"}}
    out, _ = as_of(keep, entries, date(2025, 3, 1), COMPONENTS)
    assert out["nations"]["LVA"]["pledges"] == DOC["nations"]["LVA"]["pledges"]
    out, _ = as_of(DOC, entries, date(2025, 2, 28), COMPONENTS)  # before the statement
    assert out["nations"]["EST"]["pledges"] == []


def test_unknown_template_key_is_a_scenario_error(tmp_path: Path) -> None:
    text = packaged.scenario_text().replace("  pledges:\n    land:\n",
                                            "  pledges:\n    tank-army: []\n    land:\n")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    load_scenario(path)  # without a date the section is not used
    with pytest.raises(ScenarioError, match=r"s.yaml:\d+:\d+ ledger.pledges.tank-army: must be a "
                                            r"capability id or a mission line"):
        load_scenario(path, as_of=TODAY)


def test_store_rows_are_accepted_by_the_run_store(tmp_path: Path) -> None:
    rows = list(store_rows(packaged_ledger()))
    with Store(f"sqlite:///{tmp_path}/ledger.db") as store:
        for row in rows:
            store.record_pledge(**row)
        stored = store.ledger()
    assert len(stored) == len(rows) and {r["status"] for r in stored} <= {*ACTIVE, "withdrawn"}
    assert {"nation", "pledge", "capability", "count", "status", "date", "source"} <= set(stored[0])
    last = {(r["nation"], r["capability"]): r["status"] for r in stored}
    cze_land = [e for e in packaged_ledger() if e.key == ("CZE", "land")]
    assert [e.status for e in sorted(cze_land, key=lambda e: e.date)] == ["announced", "ruled-out"]
    assert last[("CZE", "land")] == "withdrawn"  # announced, then ruled out
    assert ("POL", "land") not in last  # ruled out only: never a pledge
    assert ledger_summary(stored)


def test_store_rows_number_a_pledge_made_again() -> None:
    rows = list(store_rows(_entries("2025-03-01,EST,announced,frigate,2,,",
                                    "2025-04-01,EST,committed,frigate,,,",
                                    "2025-05-01,EST,announced,frigate,,,",
                                    "2025-06-01,EST,withdrawn,frigate,,,",
                                    "2025-07-01,EST,committed,frigate,,,")))
    assert [(r["pledge"], r["status"], r["count"]) for r in rows] == [
        ("EST-frigate", "announced", 2), ("EST-frigate", "committed", 0),
        ("EST-frigate", "withdrawn", 0), ("EST-frigate-2", "committed", 0)]
