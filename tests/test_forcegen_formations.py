"""Formed units (the NATO enhanced Forward Presence model): a framework nation's companies
with other nations' companies make one battalion, under the scenario's formation rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

import willing
from test_forcegen import BASE, land, nation, req, scenario
from test_forcegen_exact import battlegroups
from willing.command import command_structure
from willing.forcegen.plan import build_model
from willing.scenario.errors import ScenarioError
from willing.scenario.scenario import Scenario


def company(count: int = 1, **kw: Any) -> dict[str, Any]:
    return {"capability": "infantry-company", "count": count, "rotation": 1,
            "readiness_days": 10, "regions": ["north"], **kw}


def battlegroup(rules: dict[str, Any] | None = None, **nations: dict[str, Any]) -> Scenario:
    """One surge infantry battalion in the north, filled only by companies."""
    return scenario(mission_lines=land(req(count=1, duration="surge")),
                    nations=nations, defaults={"formations": rules or {}})


def small(**kw: Any) -> dict[str, Any]:
    return nation(tier="member", hq=False, **kw)


def test_three_nations_companies_form_a_battalion() -> None:
    """LTU frames with 2 of the 4 companies (the least share, ½), LVA and EST bring one each;
    NOR's company is barred from the north by its caveat and is not used."""
    sc = battlegroup(LTU=nation(company(2)), LVA=small(pledges=[company()]),
                     EST=small(pledges=[company()]),
                     NOR=small(pledges=[company(regions=["south"])]))
    r = willing.plan(sc)
    assert int(r.requirements["filled"].iloc[0]) == 1  # the formed unit counts as one unit
    a = r.allocation.set_index("nation")
    assert set(a.index) == {"LTU", "LVA", "EST"}
    assert set(a["formed_unit"]) == {"inf/LTU-1"} and set(a["framework"]) == {"LTU"}
    assert a.loc["LTU", "units"] == 2
    assert a["personnel"].sum() == 4 * sc.catalogue["infantry-company"].personnel_per_unit


def test_the_framework_share_is_respected() -> None:
    """At a least share of ¾, no nation has 3 of the 4 companies: no battalion is formed."""
    sc = battlegroup({"framework_share_min": 0.75}, LTU=nation(company(2)),
                     LVA=small(pledges=[company()]), EST=small(pledges=[company(2)]))
    r = willing.plan(sc)
    assert int(r.requirements["unmet"].iloc[0]) == 1
    assert r.allocation.empty


@pytest.mark.parametrize(("max_nations", "filled"), [(3, 1), (2, 0)])
def test_at_most_max_nations_in_a_formed_unit(max_nations: int, filled: int) -> None:
    """LTU's 2 companies and one each of LVA and EST make a battalion of 3 nations: allowed
    at 3 nations a unit, not at 2."""
    sc = battlegroup({"max_nations": max_nations}, LTU=nation(company(2)),
                     LVA=small(pledges=[company()]), EST=small(pledges=[company()]))
    r = willing.plan(sc)
    assert int(r.requirements["filled"].iloc[0]) == filled
    assert r.allocation.groupby("formed_unit")["nation"].nunique().le(max_nations).all()


def test_whole_units_and_formed_units_fill_one_requirement_together() -> None:
    sc = scenario(mission_lines=land(req(count=2, duration="surge")),
                  nations={"GBR": nation({"capability": "infantry-battalion", "count": 1,
                                          "readiness_days": 10, "regions": ["north"]}),
                           "LTU": small(pledges=[company(4)])})
    r = willing.plan(sc)
    assert int(r.requirements["filled"].iloc[0]) == 2
    formed = r.allocation.dropna(subset=["formed_unit"])
    assert list(formed["nation"]) == ["LTU"] and list(formed["units"]) == [4]


def test_enduring_sub_units_keep_their_rotation() -> None:
    """8 companies at rotation 2 keep 4 deployed: one battalion, not two."""
    sc = scenario(mission_lines=land(req(count=2)),
                  nations={"LTU": nation(company(8, rotation=2))})
    r = willing.plan(sc)
    assert int(r.requirements["filled"].iloc[0]) == 1
    assert r.allocation["pool_units"].sum() == 8


def test_the_model_has_one_framework_and_one_member_column_per_nation() -> None:
    sc = battlegroup(LTU=nation(company(2)), LVA=small(pledges=[company()]))
    fm = build_model(sc, "calm").fm
    w = fm.col_names[fm.cols["w"]]
    v = fm.col_names[fm.cols["v"]]
    assert sorted(w) == ["w[LTU,inf]", "w[LVA,inf]"]
    assert sorted(v) == ["v[LTU,inf]", "v[LVA,inf]"]


@pytest.mark.parametrize(("rules", "field"), [({"framework_share_min": 0}, "framework_share_min"),
                                              ({"max_nations": 0}, "max_nations"),
                                              ({"max_nation": 3}, "max_nation")])
def test_bad_formation_rules_name_the_field(rules: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        battlegroup(rules, LTU=nation(company(2)))


def test_the_orbat_shows_a_formed_unit_as_one_formation() -> None:
    sc = battlegroup(LTU=nation(company(2)), LVA=small(pledges=[company()]),
                     EST=small(pledges=[company()]))
    cs = command_structure(willing.plan(sc))
    f = cs.formations.set_index("formation").loc["inf/LTU-1"]
    assert (f["formed"], f["framework"], f["contributors"]) == (True, "LTU", "EST,LVA")
    assert f["units"] == 1 and f["subordinates"] == 4  # one battalion of four companies
    assert f["label"].endswith("framework LTU, contributors EST, LVA")
    assert set(cs.units["formation"]) == {"inf/LTU-1"}
    assert cs.checks.set_index("check").loc["one commander per unit", "status"] == "ok"


def test_every_packaged_sub_unit_is_its_parents_share() -> None:
    """Each sub-unit names a catalogue parent, and its personnel, lift and cost are the
    parent's over the sub-units per parent (within rounding to whole persons)."""
    cat = willing.load_scenario().catalogue
    subs = {c: cap for c, cap in cat.items() if cap.parent}
    assert set(subs) == {"infantry-company", "armoured-company", "artillery-battery",
                         "fighter-flight", "air-defence-fire-unit"}
    for cap in subs.values():
        parent, k = cat[str(cap.parent)], int(cap.per_parent or 0)
        assert parent.parent is None and k >= 2 and cap.component == parent.component
        assert abs(cap.personnel_per_unit - parent.personnel_per_unit / k) <= 3
        assert cap.lift_tonnes_per_unit == pytest.approx(parent.lift_tonnes_per_unit / k, abs=1)
        assert cap.cost_musd_per_unit_year == pytest.approx(
            (parent.cost_musd_per_unit_year or 0) / k, abs=0.1)
        assert "assumption" in cap.notes


def test_the_packaged_scenarios_pledge_no_sub_units() -> None:
    """No public statement pairs a framework nation's companies with Estonia's stated company
    (docs/scenario.md), so the packaged plans have no formed unit."""
    for name in ("ukraine-2025", "ukraine-2026"):
        sc = willing.load_scenario(name)
        assert not [p.id for p in sc.pledges if sc.catalogue[p.capability].parent]


def test_a_sub_unit_of_an_unknown_parent_is_refused_with_its_field(tmp_path: Path) -> None:
    path = tmp_path / "bg.yaml"
    spec = {**BASE, "capabilities": {"militia-company": {
        "name": "Militia company", "component": "LAND", "unit": "company",
        "personnel_per_unit": 120, "parent": "infantry-batallion", "per_parent": 4}}}
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    with pytest.raises(ScenarioError) as err:
        willing.load_scenario(path)
    text = str(err.value)
    assert "capabilities.militia-company.parent" in text and "bg.yaml:" in text
    assert "unknown capability 'infantry-batallion' (did you mean 'infantry-battalion'?)" in text


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=battlegroups())
def test_by_component_agrees_with_the_whole_model_on_formed_units(sc: Scenario) -> None:
    """The Benders slices (docs/forcegen.md, "Nations by component") see formed units too:
    the same unmet demand per priority and nations per component as the whole model. Which
    of two requirements of one priority stays short is a tie both may break differently."""
    by_part = willing.plan(sc, "calm", by_component=True)
    whole = willing.plan(sc, "calm", by_component=False)

    def unmet(p: willing.PlanResult) -> dict[str, int]:
        return p.requirements.groupby("priority")["unmet"].sum().to_dict()

    assert unmet(by_part) == unmet(whole)
    assert by_part.by_component["nations"].tolist() == whole.by_component["nations"].tolist()
