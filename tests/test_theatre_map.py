"""The theatre map: every region of the packaged scenarios drawn, the packaged files small, and
the figure's personnel per region the plan's."""

from __future__ import annotations

import pytest

import willing
from willing.report import bundle
from willing.report.theatre import (
    GEO,
    boundaries,
    by_region,
    closed_by_day,
    figure,
    places,
    region_features,
    region_labels,
    theatre_map,
)
from willing.scenario import packaged


@pytest.fixture(scope="module")
def plan_bundle() -> dict:
    return bundle.build(willing.load_scenario())


@pytest.mark.parametrize("name", packaged.scenario_names())
def test_every_region_and_entry_point_of_a_packaged_scenario_is_on_the_map(name: str) -> None:
    sc = willing.load_scenario(name)
    ids = {f["id"] for f in boundaries()["features"]}
    assert set(sc.spec.regions) <= set(region_features())
    for region in sc.spec.regions:
        assert region_features()[region] and set(region_features()[region]) <= ids, region
        lon, lat = region_labels()[region]
        assert 13 <= lon <= 42 and 40 <= lat <= 58
    assert set(sc.spec.entry_points) <= set(places())


def test_ukraine_has_its_oblasts_and_the_sea_its_polygon() -> None:
    features = boundaries()["features"]
    oblasts = [f for f in features if f["properties"]["kind"] == "oblast"]
    assert len(oblasts) == 27 and all(f["id"].startswith("UA-") for f in oblasts)
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}
    sea = next(f for f in features if f["id"] == "BLACK-SEA")
    ring = sea["geometry"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert 27 <= min(lons) < 29 and 41 <= max(lons) <= 42 and min(lats) > 40.9 and max(lats) < 47.5


def test_the_packaged_map_data_is_small() -> None:
    sizes = {p.name: len(p.read_bytes()) for p in GEO.iterdir() if p.is_file()}
    assert sizes["theatre.geojson"] < 300_000
    assert sum(sizes.values()) < 320_000


def test_the_figure_shows_the_plans_personnel_by_region(plan_bundle: dict) -> None:
    plan = willing.plan(willing.load_scenario())
    expected = plan.allocation.groupby("region")["personnel"].sum().to_dict()
    assert {r: v["deployed"] for r, v in by_region(plan_bundle).items() if v["deployed"]} == expected
    fig = figure(plan_bundle)
    deployed = fig.data[1]
    shown = {row[0]: row[1] for row in deployed.customdata}
    assert shown == {r: v for r, v in expected.items() if r in region_features()}
    for z, row in zip(deployed.z, deployed.customdata, strict=True):
        assert z == expected[row[0]]
    drawn = [row[0] for row in deployed.customdata]
    assert {r: drawn.count(r) for r in shown} == {r: len(region_features()[r]) for r in shown}
    assert {f["id"] for f in deployed.geojson["features"]} == set(deployed.locations)
    short = {row[0]: row[2] for row in deployed.customdata}
    reqs = plan.requirements  # a requirement filled beyond its need does not offset another's gap
    gap = (reqs["personnel"] - reqs["personnel_filled"]).clip(lower=0).groupby(reqs["region"]).sum()
    assert short == {r: int(gap[r]) for r in shown} and sum(short.values()) > 0


def test_the_slider_ends_with_every_requirement_closed(plan_bundle: dict) -> None:
    days, closed = closed_by_day(plan_bundle)
    assert days == sorted(days) and days[-1] == max(
        r["closure_day"] for r in plan_bundle["buildup"]["requirements"] if r["closure_day"] is not None)
    for values in closed.values():
        assert values == sorted(values)  # personnel in place never falls
    fig = figure(plan_bundle)
    assert [f.name for f in fig.frames] == [str(d) for d in days]
    last = fig.frames[-1].data[0].z
    assert list(last) == [closed.get(row[0], [0])[-1] for row in fig.data[1].customdata]


def test_the_figure_names_no_country(plan_bundle: dict) -> None:
    """Countries are drawn, never named: no role may meet another nation's code or name."""
    text = figure(plan_bundle).to_json()
    for f in boundaries()["features"]:
        if f["properties"]["kind"] == "country":
            assert f'"{f["id"]}"' not in text and f["properties"]["name"] not in text, f["id"]


def test_the_section_is_in_the_report_and_names_its_sources(plan_bundle: dict) -> None:
    section = theatre_map(plan_bundle)
    assert section is not None and "Natural Earth" in section.source
    assert section.table is not None and set(section.table["region"]) == set(by_region(plan_bundle))
    from willing.report import sections
    assert "map" in [s.id for s in sections(plan_bundle)]
