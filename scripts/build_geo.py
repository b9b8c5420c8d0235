"""Build the packaged theatre map (`src/willing/data/geo/theatre.geojson`) from Natural Earth.

Natural Earth publishes Ukraine's oblasts as admin-1 boundary *lines* and the land, the ocean
and the national borders at 1:10m. This script cuts the land of the theatre into faces along
those lines, names each face (an oblast by a point inside it, a country
by the Natural Earth 1:110m country polygon that holds it), clips the ocean to the Black Sea,
simplifies everything and writes a small GeoJSON. It is a build-time tool: shapely and pyshp
are dev dependencies, never needed at run time.

    python scripts/build_geo.py NATURAL_EARTH_DIR

NATURAL_EARTH_DIR holds the unzipped shapefiles named below (as on naturalearthdata.com).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import shapefile
from shapely import box, make_valid, set_precision, unary_union
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

OUT = Path(__file__).resolve().parents[1] / "src" / "willing" / "data" / "geo" / "theatre.geojson"
BBOX = (13.0, 40.5, 42.0, 58.0)
"""The theatre: lon 13–42° E, lat 40.5–58° N (Germany's east to the Caucasus, the Baltic
states to Türkiye's Black Sea coast)."""
BLACK_SEA_BOX = (27.0, 41.1, 42.0, 47.5)
"""The Black Sea and the Sea of Azov; south of 41.1° N would take in the Sea of Marmara."""
CRIMEA_BOX = (32.4, 44.3, 36.65, 46.2)
"""Around the Crimean peninsula, west of the Kerch Strait."""
GAP = 0.005
"""Half the width (degrees, ~500 m) of the cut along each boundary line. Natural Earth's admin
lines stop near, not on, the coast, so the land is cut by thin strips rather than split along
the lines; each face grows back by the same width when written."""
TOLERANCE = 0.03
"""Simplification in degrees (~3 km): oblast outlines stay recognisable, the file small."""

OBLASTS: dict[str, tuple[str, float, float]] = {
    # ISO 3166-2:UA code: (name, lon, lat of a point well inside the oblast)
    "UA-05": ("Vinnytsia", 28.47, 49.23), "UA-07": ("Volyn", 25.33, 50.75),
    "UA-09": ("Luhansk", 39.30, 48.57), "UA-12": ("Dnipropetrovsk", 35.05, 48.46),
    "UA-14": ("Donetsk", 37.80, 48.00), "UA-18": ("Zhytomyr", 28.66, 50.25),
    "UA-21": ("Zakarpattia", 23.20, 48.30), "UA-23": ("Zaporizhzhia", 35.60, 47.30),
    "UA-26": ("Ivano-Frankivsk", 24.71, 48.92), "UA-30": ("Kyiv (city)", 30.52, 50.45),
    "UA-32": ("Kyiv", 30.11, 49.80), "UA-35": ("Kirovohrad", 32.26, 48.51),
    "UA-40": ("Sevastopol", 33.60, 44.55), "UA-43": ("Crimea", 34.10, 45.20),
    "UA-46": ("Lviv", 24.03, 49.84), "UA-48": ("Mykolaiv", 31.99, 47.20),
    "UA-51": ("Odesa", 30.00, 46.70), "UA-53": ("Poltava", 34.55, 49.59),
    "UA-56": ("Rivne", 26.25, 50.62), "UA-59": ("Sumy", 34.80, 50.91),
    "UA-61": ("Ternopil", 25.59, 49.55), "UA-63": ("Kharkiv", 36.23, 49.99),
    "UA-65": ("Kherson", 33.50, 46.50), "UA-68": ("Khmelnytskyi", 26.99, 49.42),
    "UA-71": ("Cherkasy", 32.06, 49.44), "UA-74": ("Chernihiv", 31.29, 51.49),
    "UA-77": ("Chernivtsi", 25.94, 48.29),
}


def read(directory: Path, name: str) -> list[BaseGeometry]:
    with shapefile.Reader(str(directory / name)) as r:
        return [shape(s.__geo_interface__) for s in r.shapes() if s.shapeType != shapefile.NULL]


def countries(directory: Path) -> list[tuple[str, str, BaseGeometry]]:
    with shapefile.Reader(str(directory / "ne_110m_admin_0_countries")) as r:
        fields = [f[0] for f in r.fields[1:]]
        out = []
        for sr in r.shapeRecords():
            rec = dict(zip(fields, sr.record, strict=True))
            iso = rec["ADM0_A3"] if rec["ISO_A3"] == "-99" else rec["ISO_A3"]
            out.append((iso, rec["NAME"], shape(sr.shape.__geo_interface__)))
        return out


def split(face: Polygon, nations: list[tuple[str, str, BaseGeometry]]
          ) -> list[tuple[str, str, BaseGeometry]]:
    """A face's country: the 1:110m country holding most of it. Natural Earth draws no land
    border where a line is disputed (Ukraine's border with Russia in Luhansk and Donetsk), so
    a face may span two countries: it is then cut along the 1:110m border."""
    shares = sorted(((face.intersection(g).area, iso, name, g) for iso, name, g in nations
                     if g.intersects(face)), key=lambda s: s[0], reverse=True)
    if not shares:
        return []
    if shares[0][0] >= 0.9 * face.area:
        return [(shares[0][1], shares[0][2], face)]
    return [(iso, name, face.intersection(g)) for a, iso, name, g in shares if a > 0.001 * face.area]


def de_jure(nations: list[tuple[str, str, BaseGeometry]]) -> list[tuple[str, str, BaseGeometry]]:
    """Crimea and Sevastopol with Ukraine, as ISO 3166-2:UA lists them and UN General Assembly
    resolution 68/262 (2014) affirms; Natural Earth's default countries draw them de facto."""
    crimea = box(*CRIMEA_BOX)
    return [(iso, name, g.union(next(h for i, _, h in nations if i == "RUS").intersection(crimea))
             if iso == "UKR" else g.difference(crimea) if iso == "RUS" else g)
            for iso, name, g in nations]


def polygons(g: BaseGeometry) -> list[Polygon]:
    return [p for p in getattr(g, "geoms", [g]) if isinstance(p, Polygon)]


def build(directory: Path) -> dict[str, object]:
    frame = box(*BBOX)
    land = unary_union([g.intersection(frame) for g in read(directory, "ne_10m_land")
                        if g.intersects(frame)])
    lines = unary_union([g.intersection(frame) for name in ("ne_10m_admin_0_boundary_lines_land",
                                                            "ne_10m_admin_1_states_provinces_lines")
                         for g in read(directory, name) if g.intersects(frame)])
    faces = polygons(land.difference(lines.buffer(GAP)))
    nations = de_jure([(iso, name, g) for iso, name, g in countries(directory) if g.intersects(frame)])
    by_country: dict[tuple[str, str], list[BaseGeometry]] = defaultdict(list)
    ukraine: list[BaseGeometry] = []
    for f in faces:
        for iso, name, piece in split(f, nations):
            (ukraine if iso == "UKR" else by_country[(iso, name)]).append(piece)
    features = []
    for code, (name, lon, lat) in OBLASTS.items():
        inside = [f for f in ukraine if f.contains(Point(lon, lat))]
        if len(inside) != 1:
            raise SystemExit(f"{code} {name}: {len(inside)} faces hold ({lon}, {lat})")
        features.append(feature(code, name, "oblast", inside[0]))
    for (iso, name), fs in sorted(by_country.items()):
        features.append(feature(iso, name, "country", unary_union(fs)))
    sea = unary_union([g.intersection(box(*BLACK_SEA_BOX)) for g in read(directory, "ne_10m_ocean")])
    features.append(feature("BLACK-SEA", "Black Sea", "sea", max(polygons(sea), key=lambda p: p.area)))
    return {"type": "FeatureCollection", "features": features}


def feature(fid: str, name: str, kind: str, g: BaseGeometry) -> dict[str, object]:
    g = make_valid(set_precision(g.buffer(GAP).simplify(TOLERANCE, preserve_topology=True), 0.01))
    parts = [p for p in polygons(g) if p.area > TOLERANCE ** 2]
    shape_ = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return {"type": "Feature", "id": fid, "properties": {"name": name, "kind": kind},
            "geometry": mapping(shape_)}


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    doc = build(Path(sys.argv[1]))
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(doc['features'])} features, {OUT.stat().st_size:,} bytes")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
