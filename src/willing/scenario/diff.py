"""What changed between two scenario texts: nations and pledges added, removed or changed.

A version in the run store keeps this summary of what it changed against its parent, so a
version history reads "POL-2 count 2 → 3" rather than a line diff of YAML.
"""

from __future__ import annotations

from typing import Any

from willing.scenario.yamlmarks import parse, plain


def diff_scenarios(text_a: str, text_b: str) -> dict[str, Any]:
    """The nations and pledges of `text_b` against `text_a`: `nations` added and removed, nation
    fields changed (willingness, conditions, ...), and `pledges` added, removed and changed (by
    pledge id, `<ISO3>-<n>` when the file gives none). A text that is not a YAML mapping counts
    as a scenario without nations."""
    a, b = _nations(text_a), _nations(text_b)
    pa, pb = _pledges(a), _pledges(b)
    return {
        "nations": {
            "added": sorted(set(b) - set(a)), "removed": sorted(set(a) - set(b)),
            "changed": [{"nation": n, "field": f, "a": a[n].get(f), "b": b[n].get(f)}
                        for n in sorted(set(a) & set(b))
                        for f in sorted((set(a[n]) | set(b[n])) - {"pledges"})
                        if a[n].get(f) != b[n].get(f)],
        },
        "pledges": {
            "added": sorted(set(pb) - set(pa)), "removed": sorted(set(pa) - set(pb)),
            "changed": [{"pledge": p, "field": f, "a": pa[p].get(f), "b": pb[p].get(f)}
                        for p in sorted(set(pa) & set(pb))
                        for f in sorted(set(pa[p]) | set(pb[p]))
                        if pa[p].get(f) != pb[p].get(f)],
        },
    }


def _nations(text: str) -> dict[str, dict[str, Any]]:
    doc, _problems = parse(text)
    nations = plain(doc).get("nations") if isinstance(doc, dict) else None
    if not isinstance(nations, dict):
        return {}
    return {str(k): v if isinstance(v, dict) else {} for k, v in nations.items()}


def _pledges(nations: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for iso, nation in nations.items():
        pledges = nation.get("pledges")
        for i, p in enumerate(pledges if isinstance(pledges, list) else [], start=1):
            if isinstance(p, dict):
                out[str(p.get("id") or f"{iso}-{i}")] = p
    return out


__all__ = ["diff_scenarios"]
