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
from willing.sustain import _spare_units


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


def _refused(path: Path, spec: dict[str, Any]) -> str:
    """The message of loading `spec`, written to `path`, which the loader must refuse."""
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    with pytest.raises(ScenarioError) as err:
        willing.load_scenario(path)
    return str(err.value)


def test_a_sub_unit_of_an_unknown_parent_is_refused_with_its_field(tmp_path: Path) -> None:
    path = tmp_path / "bg.yaml"
    spec = {**BASE, "capabilities": {"militia-company": {
        "name": "Militia company", "component": "LAND", "unit": "company",
        "personnel_per_unit": 120, "parent": "infantry-batallion", "per_parent": 4}}}
    text = _refused(path, spec)
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


def _lender(lend: bool, rotation: int = 1, count: int = 2) -> Scenario:
    """Three surge battalions in the north; GBR pledges `count` battalions, LVA, EST, LTU and
    DNK one company each: no company nation brings the half of a battalion a framework must."""
    gbr = {"capability": "infantry-battalion", "count": count, "rotation": rotation,
           "readiness_days": 10, "regions": ["north"], "lend": lend}
    return scenario(mission_lines=land(req(count=3, duration="surge")),
                    nations={"GBR": nation(gbr),
                             **{iso: small(pledges=[company()])
                                for iso in ("LVA", "EST", "LTU", "DNK")}})


def test_a_framework_nation_lends_companies_out_of_its_battalions() -> None:
    """Whole, GBR's 2 battalions fill 2 of the 3 and the four companies have no framework.
    Lending, GBR breaks battalions into companies that frame formed battalions with the small
    nations' companies: 3 filled, and GBR's pledge holds (whole + lent / 4 ≤ 2)."""
    assert int(willing.plan(_lender(False)).requirements["filled"].iloc[0]) == 2
    r = willing.plan(_lender(True))
    assert int(r.requirements["filled"].iloc[0]) == 3
    a = r.allocation
    gbr = a[a["nation"] == "GBR"]
    lent = gbr[gbr["formed_unit"].notna()]
    assert len(lent) and set(lent["capability"]) == {"infantry-company"}
    assert set(gbr["pledge"]) == {"GBR-1"}
    whole = gbr.loc[gbr["formed_unit"].isna(), "units"].sum()
    assert whole + lent["units"].sum() / 4 <= 2
    formed = a[a["formed_unit"].notna()]
    assert set(formed["framework"]) == {"GBR"}
    assert formed["personnel"].sum() == 150 * 4 * formed["formed_unit"].nunique()
    assert a.loc[a["nation"] != "GBR", "units"].sum() == 4  # every small nation's company
    # sustainability counts a lent company as a quarter of the battalion it comes out of
    assert _spare_units(r)["GBR-1"] == pytest.approx(2 - whole - lent["units"].sum() / 4)


def test_lending_keeps_the_rotation_of_the_pool() -> None:
    """Enduring at rotation 3, 4 battalions deploy 1 whole (⌊4/3⌋), but lent they deploy 5
    companies (⌊16/3⌋): a second battalion formed with three of the companies' nations."""
    sc = scenario(mission_lines=land(req(count=2)),
                  nations={"GBR": nation({"capability": "infantry-battalion", "count": 4,
                                          "rotation": 3, "readiness_days": 10,
                                          "regions": ["north"], "lend": True}),
                           **{iso: small(pledges=[company(rotation=1)])
                              for iso in ("LVA", "EST", "LTU")}})
    r = willing.plan(sc)
    assert int(r.requirements["filled"].iloc[0]) == 2
    gbr = r.allocation[r.allocation["nation"] == "GBR"]
    pool = (gbr["pool_units"] / gbr["capability"].map({"infantry-battalion": 1,
                                                        "infantry-company": 4})).sum()
    assert pool <= 4 + 1e-9


def test_lending_a_capability_without_sub_units_is_refused_with_its_field(tmp_path: Path) -> None:
    path = tmp_path / "lend.yaml"
    spec = {**BASE, "nations": {"GBR": nation({"capability": "brigade-hq", "count": 3,
                                               "readiness_days": 10, "regions": ["north"],
                                               "lend": True})}}
    text = _refused(path, spec)
    assert "nations.GBR.pledges[0].lend" in text and "lend.yaml:" in text
    assert "'brigade-hq' has no sub-unit in the catalogue to lend" in text
    assert "infantry-battalion" in text  # the capabilities that have one
