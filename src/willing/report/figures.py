"""The report's sections, built from a bundle (see `bundle.py`): a chart, a table, a source line
and the assumptions behind it. The HTML report and the web dashboard show the same sections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

TIER_COLOURS = {"lead": "#1f4e79", "member": "#4a90c2", "backstop": "#b5651d", "host": "#2e8b57",
                "unfilled": "#c0392b", "other nations": "#999999"}
REASON_COLOURS = {"capacity": "#e67e22", "region": "#8e44ad", "condition": "#c0392b",
                  "readiness": "#2980b9", "capability": "#7f8c8d", "access": "#16a085",
                  "rotation": "#d35400"}
NATIONS_SOURCE = ("public figures: data/nations.csv (SIPRI Military Expenditure Database, World Bank "
                  "World Development Indicators, IISS Military Balance)")
OTHERS = "other nations"
"""The Sankey source that aggregates the nations a viewer is not released (coalition total less
the rows it sees)."""
CATALOGUE_SOURCE = "unit sizes and costs: data/capabilities.csv (each row names its source)"


@dataclass
class Section:
    """One part of the report: a chart and/or a table, where its figures come from, and which
    of them are assumptions rather than public figures."""

    id: str
    title: str
    intro: str
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
    source: str = ""
    assumptions: list[dict[str, Any]] = field(default_factory=list)


def frame(records: list[dict[str, Any]] | None, columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Records as a table with at least `columns`: a viewer may be released no rows at all."""
    df = pd.DataFrame.from_records(records or []).drop(columns=["index"], errors="ignore")
    for c in columns:
        if c not in df:
            df[c] = pd.Series(dtype=object)
    return df


def layout(fig: go.Figure, height: int = 420) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 50, "r": 20, "t": 30, "b": 40},
                      font={"family": "system-ui, sans-serif", "size": 12}, template="plotly_white",
                      legend={"orientation": "h", "y": -0.15})
    return fig


def scenario_source(b: dict[str, Any]) -> str:
    s = b["scenario"]
    return f"scenario {s['file']} (sha256 {s['sha256'][:12]}, force option {s['force_option']})"


def plan_source(b: dict[str, Any]) -> str:
    p = b["plan"]["summary"]
    return (f"willing plan, state {p['state']}: HiGHS MILP ({p['solver_status']}, optimality gap "
            f"{p['mip_gap']:.2%}) on the {scenario_source(b)}; {CATALOGUE_SOURCE}")


def relevant(b: dict[str, Any], *, nations: set[str] | None = None,
             capabilities: set[str] | None = None) -> list[dict[str, Any]]:
    """The assumptions about these nations or capabilities."""
    nations, capabilities = nations or set(), capabilities or set()
    return [a for a in b["scenario"]["assumptions"]
            if a.get("nation") in nations or a.get("capability") in capabilities]


def coalition(b: dict[str, Any]) -> Section:
    n = frame(b["scenario"]["nations"], ("nation", "name", "tier", "willingness", "pledged_personnel"))
    order = {t: i for i, t in enumerate(["lead", "member", "backstop", "host"])}
    n = n.sort_values(["tier", "pledged_personnel"], key=lambda s: s.map(order) if s.name == "tier"
                      else -s, kind="stable")
    fig = go.Figure()
    for tier, part in n.groupby("tier", sort=False):
        fig.add_bar(x=part["nation"], y=part["pledged_personnel"], name=str(tier),
                    marker_color=TIER_COLOURS.get(str(tier), "#666"),
                    customdata=part[["name", "willingness"]],
                    hovertemplate="%{customdata[0]}: %{y:,} personnel pledged, willingness "
                                  "%{customdata[1]:.0%}<extra></extra>")
    fig.update_layout(yaxis_title="personnel pledged (all pledges, before rotation)")
    tiers = (n.groupby("tier", sort=False).agg(nations=("nation", lambda s: ", ".join(s)),
                                               count=("nation", "size"),
                                               personnel_pledged=("pledged_personnel", "sum"))
             .reset_index())
    return Section("coalition", "The coalition and its tiers",
                   "Nations by tier with the personnel their pledges add up to (unit count × "
                   "personnel per unit). Willingness is the scenario's probability that a nation "
                   "takes part.", layout(fig), tiers,
                   f"{scenario_source(b)}; {NATIONS_SOURCE}; {CATALOGUE_SOURCE}",
                   relevant(b, nations=set(n["nation"])))


def coverage(b: dict[str, Any]) -> Section:
    """Coverage by units and by personnel, per mission line and priority (docs/forcegen.md)."""
    c = frame(b["plan"]["coverage"], ("mission_line", "priority", "coverage",
                                      "personnel_coverage"))
    s = b["plan"]["summary"]
    label = c["mission_line"].astype(str) + " · " + c["priority"].astype(str)
    fig = go.Figure()
    for col, name, colour in (("coverage", "units filled", "#4a90c2"),
                              ("personnel_coverage", "personnel filled", "#1f4e79")):
        fig.add_bar(x=label, y=c[col], name=name, marker_color=colour,
                    hovertemplate="%{x}: %{y:.1%} " + name + "<extra></extra>")
    fig.update_layout(barmode="group", yaxis={"tickformat": ".0%", "range": [0, 1.02]})
    weighted = (f", weighted by the scenario's requirement weights {s['weighted_coverage']:.1%}"
                if "weighted_coverage" in s else "")
    return Section("coverage", "Coverage by units and by personnel",
                   f"A unit counts once however large it is, so the plan's coverage is given "
                   f"twice: {s['coverage']:.1%} of the units required and "
                   f"{s['personnel_coverage']:.1%} of the personnel they ask for (each post at "
                   f"its requirement's personnel per unit){weighted}. Essential units: "
                   f"{s['essential_coverage']:.1%}.", layout(fig), c, plan_source(b))


def allocation(b: dict[str, Any]) -> Section:
    a = frame(b["plan"]["allocation"], ("nation", "component", "personnel", "capability"))
    gaps = frame(b["plan"]["gaps"], ("component", "unmet_personnel", "capability"))
    nf = frame(b["scenario"]["nations"], ("nation", "tier"))
    tiers = dict(zip(nf["nation"], nf["tier"], strict=True))
    flows = (a.groupby(["nation", "component"])["personnel"].sum().reset_index()
             if not a.empty else pd.DataFrame(columns=["nation", "component", "personnel"]))
    unmet = (gaps.groupby("component")["unmet_personnel"].sum() if not gaps.empty
             else pd.Series(dtype=float))
    comp = frame(b["plan"]["by_component"], ("component", "personnel_filled"))
    shown = flows.groupby("component")["personnel"].sum()
    hidden = (comp.set_index("component")["personnel_filled"].astype(float)
              - shown.reindex(comp["component"]).fillna(0).to_numpy())
    hidden = hidden[hidden > 0.5]  # rows not released to this viewer, as one aggregate
    if len(hidden):
        flows = pd.concat([flows, pd.DataFrame({"nation": OTHERS, "component": hidden.index,
                                                "personnel": hidden.to_numpy()})])
    nations = sorted(flows["nation"].unique(), key=lambda x: -flows.loc[flows["nation"] == x,
                                                                         "personnel"].sum())
    comps = list(dict.fromkeys([*flows["component"], *unmet.index]))
    labels = [*nations, "unfilled", *comps]
    idx = {name: i for i, name in enumerate(labels)}
    src = [idx[x] for x in flows["nation"]] + [idx["unfilled"]] * len(unmet)
    dst = [idx[c] for c in flows["component"]] + [idx[c] for c in unmet.index]
    val = [*flows["personnel"].astype(float), *unmet.astype(float)]
    colours = [TIER_COLOURS.get(tiers.get(x, "other nations"), "#999") for x in nations]
    fig = go.Figure(go.Sankey(
        node={"label": labels, "pad": 12, "thickness": 14,
              "color": [*colours, TIER_COLOURS["unfilled"], *["#34495e"] * len(comps)]},
        link={"source": src, "target": dst, "value": val,
              "color": ["rgba(74,144,194,0.35)"] * len(flows) + ["rgba(192,57,43,0.35)"] * len(unmet),
              "hovertemplate": "%{source.label} → %{target.label}: %{value:,} personnel<extra></extra>"},
    ))
    cols = [c for c in ["component", "lead", "units_required", "units_filled", "personnel_required",
                        "personnel_filled", "coverage", "nations", "herfindahl"] if c in comp]
    return Section("allocation", "Allocation: nation → component",
                   "Personnel each nation deploys to each component command in the plan; the red "
                   "flows are the personnel the requirements ask for that no pledge fills (nations "
                   f"whose rows are not released to this reader appear as '{OTHERS}').",
                   layout(go.Figure(fig), 520), comp[cols] if cols else comp, plan_source(b),
                   relevant(b, capabilities=set(a["capability"])))


def gaps(b: dict[str, Any]) -> Section:
    g = frame(b["plan"]["gaps"], ("requirement", "capability", "priority", "reason_code", "reason",
                                   "unmet_personnel"))
    fig = None
    if not g.empty:
        g = g.sort_values("unmet_personnel", ascending=True)
        fig = go.Figure()
        for code, part in g.groupby("reason_code", sort=False):
            fig.add_bar(y=part["requirement"], x=part["unmet_personnel"], orientation="h",
                        name=str(code), marker_color=REASON_COLOURS.get(str(code), "#555"),
                        customdata=part[["priority", "reason"]],
                        hovertemplate="%{y} (%{customdata[0]}): %{x:,} personnel unmet<br>"
                                      "%{customdata[1]}<extra></extra>")
        fig.update_layout(barmode="stack", xaxis_title="personnel unmet",
                          yaxis={"categoryorder": "total ascending"})
        fig = layout(fig, max(300, 18 * len(g) + 120))
    cols = [c for c in ["requirement", "priority", "required", "filled", "unmet", "reason"] if c in g]
    return Section("gaps", f"Gaps and why ({len(g)})",
                   "Each requirement the plan cannot fill, with the reason the solver's read-back "
                   "gives: no pledge of that capability, a caveat forbids the region or role, a "
                   "condition fails in this state, readiness too slow, or capacity exhausted.",
                   fig, g.sort_values("unmet_personnel", ascending=False)[cols] if cols else g,
                   plan_source(b), relevant(b, capabilities=set(g["capability"])))


def burden(b: dict[str, Any]) -> Section:
    bn = frame(b["plan"]["by_nation"], ("nation", "personnel", "fair_personnel"))
    bn = bn[bn["fair_personnel"].notna()]
    bn = bn.sort_values("personnel", ascending=False)
    fig = go.Figure()
    fig.add_bar(x=bn["nation"], y=bn["personnel"], name="contribution (personnel deployed)",
                marker_color="#4a90c2")
    fig.add_scatter(x=bn["nation"], y=bn["fair_personnel"], mode="markers", name="fair share",
                    marker={"symbol": "line-ew-open", "size": 18, "line": {"width": 3},
                            "color": "#c0392b"})
    fig.update_layout(yaxis_title="personnel")
    key = b["scenario"]["fair_share_key"]
    cols = [c for c in ["nation", "name", "personnel", "fair_share", "fair_personnel", "ratio",
                        "cost_musd_per_year"] if c in bn]
    sec = Section("burden", "Burden sharing: contribution against fair share",
                  f"Personnel each contributing nation deploys against its fair share of the "
                  f"coalition total, by {key} among the nations that take part.",
                  layout(fig), bn[cols], f"{plan_source(b)}; fair-share key {key}: "
                  f"{NATIONS_SOURCE}", relevant(b, nations=set(bn["nation"])))
    extra = b.get("burden")
    if isinstance(extra, dict):
        for ix in extra.get("indices", []):
            sec.intro += (f" Contributions by {ix['measure']}: Gini {ix['gini']:.2f}, Herfindahl "
                          f"{ix['herfindahl']:.2f} over {ix['contributing']} contributing nations.")
        for oz in extra.get("olson_zeckhauser", []):
            sec.intro += (f" Olson–Zeckhauser ({oz['measure']}): Spearman ρ {oz['rho']:.2f}, "
                          f"p = {oz['p_value']:.2f}: {oz['verdict']}.")
        sec.source += "; indices: willing burden (Gini, Herfindahl, Spearman rank test)"
    return sec


def leads(b: dict[str, Any]) -> Section:
    ld = frame(b["plan"]["leads"])
    return Section("leads", "Lead nations", "The lead nation of each component command, or why "
                   "there is none.", None, ld, plan_source(b))


def assumptions_section(b: dict[str, Any]) -> Section:
    a = frame(b["scenario"]["assumptions"])
    return Section("assumptions", f"Assumptions ({len(a)})",
                   "Every figure marked `assumption` (no public source) in the scenario file and "
                   "the packaged tables, with its reasoning.", None,
                   a[[c for c in ["where", "text"] if c in a]] if not a.empty else a,
                   scenario_source(b))


Built = Section | list[Section] | None
"""What a section builder gives: one section, several (an analysis with more to show), none."""

BUILDERS: list[Callable[[dict[str, Any]], Built]] = [coalition, coverage, allocation, gaps, leads]
"""The plan's own sections; each registered analysis adds its sections after them."""


def sections(b: dict[str, Any]) -> list[Section]:
    """Every section the bundle has data for, in reading order, assumptions last."""
    from willing import analyses
    from willing.report.theatre import theatre_map

    builders = [*BUILDERS, *(f for a in analyses.registered() if (f := a.section) is not None),
                theatre_map]
    out: list[Section] = []
    for f in builders:
        built = f(b)
        out += built if isinstance(built, list) else [] if built is None else [built]
    return [*out, assumptions_section(b)]
