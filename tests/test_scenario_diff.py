"""The structural diff of two scenario texts: nations, pledges, requirements, settings."""

from __future__ import annotations

import pytest

import willing
from willing.scenario.diff import describe, diff_scenarios

BASE = willing.load_scenario().text
POL_AD = ("      - {capability: air-defence-battery, count: 3, readiness_days: 30, regions: [nato-east], "
          "roles: [air-defence], assumption: Patriot batteries at home}\n")
POL_FIGHTERS = ("{capability: fighter-squadron, count: 3, readiness_days: 14, regions: [nato-east], "
                "roles: [air-policing], assumption: pledge-size rule}")


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_the_same_text_has_no_change() -> None:
    d = diff_scenarios(BASE, BASE)
    assert d["same"] and describe(d) == []


def test_a_removed_pledge_is_one_removal_and_later_pledges_keep_their_identity() -> None:
    text = edit(BASE, POL_AD, "")
    text = edit(text, POL_FIGHTERS, POL_FIGHTERS.replace("count: 3", "count: 2"))
    d = diff_scenarios(BASE, text)
    pledges = [(p["nation"], p["pledge"], p["pledge_a"], p["capability"], p["change"], p["field"],
                p["a"], p["b"]) for p in d["pledges"]]
    assert pledges == [
        ("POL", "POL-2", "POL-2", "air-defence-battery", "removed", None, None, None),
        ("POL", "POL-2", "POL-3", "fighter-squadron", "changed", "count", 3, 2)]
    assert describe(d) == ["pledge POL-2 air-defence-battery removed",
                           "pledge POL-2 (was POL-3) fighter-squadron count: 3 → 2"]
    assert not d["same"] and d["nations"] == d["requirements"] == d["settings"] == []


def test_willingness_nations_requirements_and_settings() -> None:
    text = edit(BASE, "us_backstop: 0.6", "us_backstop: 0.45")
    text = edit(text, "  POL:\n    tier: member\n    willingness: 0.75",
                "  POL:\n    tier: member\n    willingness: 0.5")
    text = edit(text, "        id: forward-hq\n        capability: force-hq\n        count: 1",
                "        id: forward-hq\n        capability: force-hq\n        count: 2")
    text = edit(text, "\nnations:\n", "\nnations:\n  ISL:\n    tier: member\n    pledges:\n"
                "      - {capability: training-team, count: 2, regions: [nato-east]}\n")
    d = diff_scenarios(BASE, text)
    assert {"nation": "POL", "change": "changed", "field": "willingness", "a": 0.75, "b": 0.5} in d["nations"]
    assert {"nation": "ISL", "change": "added", "field": None, "a": None, "b": None} in d["nations"]
    assert d["pledges"] == []  # a new nation's pledges come with it, not as changes
    assert d["requirements"] == [{"mission_line": "land", "requirement": "forward-hq", "field": "count",
                                  "a": 1, "b": 2, "change": "changed"}]
    assert d["settings"] == [{"path": "uncertainty.us_backstop", "a": 0.6, "b": 0.45}]
    assert set(describe(d)) == {"nation POL willingness: 0.75 → 0.5", "nation ISL added",
                                "requirement land/forward-hq count: 1 → 2",
                                "uncertainty.us_backstop: 0.6 → 0.45"}


def test_a_removed_nation_and_requirement_and_reworded_sources() -> None:
    b = willing.load_scenario("ukraine-2026").text
    d = diff_scenarios(BASE, b)
    removed = {r["requirement"] for r in d["requirements"] if r["change"] == "removed"}
    added = {r["requirement"] for r in d["requirements"] if r["change"] == "added"}
    assert added and not removed & added
    back = diff_scenarios(b, BASE)
    assert {r["requirement"] for r in back["requirements"] if r["change"] == "removed"} == added
    assert {(p["nation"], p["capability"]) for p in back["pledges"] if p["change"] == "added"} == {
        (p["nation"], p["capability"]) for p in d["pledges"] if p["change"] == "removed"}
    assert any(line.endswith(" reworded") for line in describe(d))


@pytest.mark.parametrize(("text", "message"), [
    ("name: [unclosed\n", "scenario b line 2: not valid YAML"),
    ("- just\n- a list\n", "scenario b: expected a mapping of scenario fields"),
])
def test_a_text_that_is_not_a_scenario_mapping_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        diff_scenarios(BASE, text)


def test_pledges_with_ids_are_matched_by_id() -> None:
    e1, e2 = "      - {id: e1, capability: x, count: 1}\n", "      - {id: e2, capability: y, count: 1}\n"
    a = f"nations:\n  EST:\n    pledges:\n{e1}{e2}"
    b = f"nations:\n  EST:\n    pledges:\n{e2.replace('count: 1', 'count: 4')}{e1}"
    d = diff_scenarios(a, b)
    assert [(p["pledge"], p["field"], p["a"], p["b"]) for p in d["pledges"]] == [("e2", "count", 1, 4)]
