"""The theatre map: per region, the personnel deployed and short, the entry points with their
daily capacity, and the build-up by day on a slider.

Boundaries come from the packaged `data/geo/theatre.geojson` (Natural Earth, public domain;
see data/geo/README.md), drawn by plotly from that file alone: no map tiles and no topojson
from the internet, so the map works offline in the dashboard and in the HTML report.
`data/geo/regions.csv` says which oblasts, countries or seas make up each scenario region, and
`data/geo/places.csv` where each entry point is.

Every figure on the map is an aggregate (the plan's requirements by region, the build-up's
requirements by closure day, the scenario's entry points), so every viewer sees the same map.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from functools import cache
from importlib import resources
from typing import Any

import plotly.graph_objects as go

from willing.report.figures import Section, frame, layout, plan_source

GEO = resources.files("willing") / "data" / "geo"
GEO_SOURCE = ("boundaries: Natural Earth 1:10m (public domain), simplified, "
              "data/geo/README.md; regions: data/geo/regions.csv")
OFFLINE_GEO_JS = ('window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};'
                  'window.PlotlyGeoAssets.topojson["world_110m"] = '
                  '{"type": "Topology", "objects": {}, "arcs": []};')
"""Script for any page that draws the map, after plotly.js. plotly.js fetches its world
topojson from a CDN for every geo subplot, even with every base layer hidden as here; it
first looks in `PlotlyGeoAssets`, so an empty topology there means nothing is fetched."""
BACKGROUND = "#e9edf1"
"""Fill of the countries outside every scenario region."""
UKRAINE = "#d3dbe4"
"""Fill of Ukraine's oblasts outside every scenario region (a shade darker: Ukraine stays
recognisable)."""


@cache
def boundaries() -> dict[str, Any]:
    """The packaged GeoJSON: Ukraine's oblasts, the countries around and the Black Sea."""
    doc: dict[str, Any] = json.loads((GEO / "theatre.geojson").read_text(encoding="utf-8"))
    return doc


@cache
def region_features() -> dict[str, tuple[str, ...]]:
    """Scenario region id → the ids of the features (oblasts, countries, sea) it covers."""
    return {r["region"]: tuple(r["features"].split()) for r in _regions()}


@cache
def region_labels() -> dict[str, tuple[float, float]]:
    """Scenario region id → where its label goes (longitude, latitude)."""
    return {r["region"]: (float(r["label_lon"]), float(r["label_lat"])) for r in _regions()}


@cache
def _regions() -> tuple[dict[str, str], ...]:
    with (GEO / "regions.csv").open(encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


@cache
def places() -> dict[str, tuple[float, float, str]]:
    """Entry point id → (longitude, latitude, the place's name)."""
    with (GEO / "places.csv").open(encoding="utf-8") as f:
        return {r["entry_point"]: (float(r["lon"]), float(r["lat"]), r["place"])
                for r in csv.DictReader(f)}


def by_region(b: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Personnel required, deployed and short in each region, from the plan's requirements."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"required": 0, "deployed": 0, "short": 0})
    for r in b["plan"].get("requirements", []):
        if not r.get("region"):
            continue
        required, filled = int(r.get("personnel") or 0), int(r.get("personnel_filled") or 0)
        row = out[str(r["region"])]
        row["required"] += required
        row["deployed"] += filled
        row["short"] += max(required - filled, 0)
    return dict(out)


def closed_by_day(b: dict[str, Any]) -> tuple[list[int], dict[str, list[int]]]:
    """Slider days and, per region, the personnel of the requirements closed by each day (the
    build-up's requirements, each counted from its closure day)."""
    reqs = [r for r in (b.get("buildup") or {}).get("requirements", [])
            if r.get("region") and r.get("closure_day") is not None]
    if not reqs:
        return [], {}
    last = max(int(r["closure_day"]) for r in reqs)
    step = max(1, -(-last // 12))
    days = [*range(0, last, step), last]
    out = {str(region): [sum(int(r.get("personnel") or 0) for r in reqs
                             if r["region"] == region and int(r["closure_day"]) <= d) for d in days]
           for region in {r["region"] for r in reqs}}
    return days, out


def figure(b: dict[str, Any]) -> go.Figure:
    """The map (see the module doc); region shapes carry `customdata` = [region id, personnel
    deployed, short, required]."""
    geo = boundaries()
    regions = by_region(b)
    features = region_features()
    mapped = {fid: region for region, fids in features.items() if region in regions for fid in fids}
    shapes = _shapes(geo)
    fig = go.Figure()
    others = [f for f in geo["features"] if f["id"] not in mapped]
    fig.add_choropleth(geojson=_collection(shapes, others), locations=[shapes[f["id"]] for f in others],
                       featureidkey="id", z=[int(f["properties"]["kind"] == "oblast") for f in others],
                       zmin=0, zmax=1, colorscale=[[0, BACKGROUND], [1, UKRAINE]], showscale=False,
                       marker_line={"color": "#ffffff", "width": 0.6}, name="other areas",
                       hoverinfo="skip")
    ids = [f for f in geo["features"] if f["id"] in mapped]
    top = max((r["deployed"] for r in regions.values()), default=0) or 1
    fig.add_choropleth(
        geojson=_collection(shapes, ids), locations=[shapes[f["id"]] for f in ids], featureidkey="id",
        name="personnel deployed", z=[regions[mapped[f["id"]]]["deployed"] for f in ids],
        zmin=0, zmax=top, customdata=[[mapped[f["id"]], *(regions[mapped[f["id"]]][k] for k in (
            "deployed", "short", "required"))] for f in ids],
        colorscale=[[0, "#f1f6fb"], [1, "#4a86c0"]], marker_line={"color": "#1f4e79", "width": 0.8},
        colorbar={"title": {"text": "personnel<br>deployed"}, "len": 0.6},
        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]:,} personnel deployed"
                      "<br>%{customdata[2]:,} short of %{customdata[3]:,} required<extra></extra>")
    centres = [(region, *region_labels()[region]) for region in features if region in regions]
    fig.add_scattergeo(
        lon=[c[1] for c in centres], lat=[c[2] for c in centres], mode="text", name="regions",
        text=[f"{region}<br>{regions[region]['deployed']:,} / short {regions[region]['short']:,}"
              for region, *_ in centres], textfont={"size": 11, "color": "#10263b"},
        hoverinfo="skip")
    eps = frame((b.get("buildup") or {}).get("entry_points"), ("entry_point", "personnel_per_day"))
    known = [r for r in eps.to_dict("records") if r["entry_point"] in places()]
    if known:
        fig.add_scattergeo(
            lon=[places()[r["entry_point"]][0] for r in known],
            lat=[places()[r["entry_point"]][1] for r in known], mode="markers", name="entry points",
            marker={"size": [5 + (r["personnel_per_day"] or 0) ** 0.5 / 8 for r in known],
                    "color": ["#c0392b" if r.get("open", True) else "#999999" for r in known],
                    "line": {"color": "#fff", "width": 1}, "symbol": "diamond"},
            text=[f"{places()[r['entry_point']][2]} ({r.get('mode', '')}): "
                  f"{int(r['personnel_per_day'] or 0):,} personnel and "
                  f"{int(r.get('tonnes_per_day') or 0):,} t a day"
                  + ("" if r.get("open", True) else " — closed in this state") for r in known],
            hovertemplate="%{text}<extra></extra>")
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator",
                    bgcolor="#f6f8fa")
    _slider(fig, b, ids, mapped, top)
    return layout(fig, 600).update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 10},
                                          legend={"orientation": "h", "y": 1.0, "x": 0})


def _slider(fig: go.Figure, b: dict[str, Any], ids: list[dict[str, Any]], mapped: dict[str, str],
            top: int) -> None:
    """Frames of the build-up: the deployed layer recoloured day by day."""
    days, closed = closed_by_day(b)
    if not days:
        return
    fig.frames = [go.Frame(name=str(d), traces=[1], data=[go.Choropleth(
        z=[closed.get(mapped[f["id"]], [0] * len(days))[k] for f in ids], zmin=0, zmax=top)])
        for k, d in enumerate(days)]
    fig.update_layout(sliders=[{
        "active": len(days) - 1, "currentvalue": {"prefix": "build-up: personnel of requirements "
                                                            "closed by day "},
        "pad": {"t": 10}, "x": 0.05, "len": 0.9,
        "steps": [{"label": str(d), "method": "animate",
                   "args": [[str(d)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                       "transition": {"duration": 0}}]} for d in days]}])


def _shapes(geo: dict[str, Any]) -> dict[str, str]:
    """Feature id → the id its shape has in the figure: an oblast or the sea keeps its own, a
    country gets a neutral one (`area-3`). The map names no country, by code or by name: the
    releasability filter's rule that a viewer meets no other nation holds for it too."""
    return {f["id"]: f["id"] if f["properties"]["kind"] != "country" else f"area-{k}"
            for k, f in enumerate(geo["features"])}


def _collection(shapes: dict[str, str], features: list[dict[str, Any]]) -> dict[str, Any]:
    """These features only (each layer carries its own shapes, none twice), under their ids
    in the figure and without their properties."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": shapes[f["id"]], "geometry": f["geometry"]} for f in features]}


def theatre_map(b: dict[str, Any]) -> Section | None:
    """The report's map section; None when the plan names no region on the map."""
    regions = by_region(b)
    if not set(regions) & set(region_features()):
        return None
    table = frame([{"region": k, **v} for k, v in sorted(regions.items())],
                  ("region", "required", "deployed", "short"))
    return Section("map", "Theatre map: where the force stands",
                   "Personnel deployed in each region of the scenario (colour) and short of its "
                   "requirements (label), the entry points with their daily capacity (diamonds, "
                   "grey when closed in this state) and, on the slider, the build-up: personnel of "
                   "the requirements closed by each day from D-day.",
                   figure(b), table, f"{plan_source(b)}; {GEO_SOURCE}; entry points: "
                   "data/geo/places.csv")


__all__ = ["OFFLINE_GEO_JS", "boundaries", "by_region", "closed_by_day", "figure", "places",
           "region_features", "region_labels", "theatre_map"]
