"""Sections for the analyses of other modules (command structure, build-up, sustainability,
robustness); each appears only when the bundle holds that analysis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from willing.report.figures import Section, frame, layout, plan_source


def command_tree(b: dict[str, Any]) -> Section | None:
    c = b.get("command")
    if not isinstance(c, dict) or not isinstance(c.get("tree"), dict):
        return None
    ids: list[str] = []
    parents: list[str] = []
    labels: list[str] = []
    values: list[float] = []

    def walk(node: dict[str, Any], parent: str) -> None:
        ids.append(str(node["id"]))
        parents.append(parent)
        labels.append(str(node.get("label", node["id"])))
        values.append(float(node.get("personnel") or 0))
        for child in node.get("children", []):
            walk(child, str(node["id"]))

    walk(c["tree"], "")
    fig = go.Figure(go.Treemap(ids=ids, parents=parents, labels=labels, values=values,
                               branchvalues="total", maxdepth=3,
                               hovertemplate="%{label}<br>%{value:,} personnel<extra></extra>"))
    hq = c.get("force_hq", {})
    comps = frame(c.get("components"))
    cols = [k for k in ["component", "lead", "nations", "units", "personnel", "herfindahl",
                        "verdict", "reason"] if k in comps]
    checks = frame(c.get("checks"))
    intro = ("The chain of command: force HQ" + (f" (lead {'/'.join(hq['leads'])}: {hq['basis']})"
                                                 if hq.get("leads") else "")
             + " → component commands → framework-nation formations → national units, sized by "
             "personnel (click to zoom). Checks: " + "; ".join(
                 f"{r['check']} {r['status']}" for r in checks.to_dict("records")
                 if "check" in r) + ".")
    return Section("command", "Command structure", intro, layout(fig, 560),
                   comps[cols] if cols else comps,
                   f"willing command on the plan; span-of-control and fragmentation thresholds "
                   f"{c.get('thresholds', {})} (assumptions stated in willing.command); "
                   + plan_source(b))


BUILDERS: list[Callable[[dict[str, Any]], Section | None]] = [command_tree]
