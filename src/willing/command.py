"""Command structure: the order of battle (ORBAT) of a plan, and its checks (docs/command.md).

Critics of coalitions of the willing point to fragmented efforts and unclear lines of command.
This module answers, for any plan, *who commands what*: a tree built from the allocation, never
written by hand.

    Multinational force HQ (its lead nation, or two co-leads)
    ├── force-level HQ units (e.g. the forward HQ in Kyiv)
    └── one component command per mission line, under the lead chosen by force generation
        ├── component-level HQ units (e.g. the maritime component HQ)
        └── one formation per region (a multinational brigade, air or maritime task group,
            training group) under the framework nation that brings most of its units
            ├── formed units: a framework nation's unit completed with other nations'
            │   sub-units (companies, batteries, flights), as force generation formed them
            └── national units, one node per deployed unit, with their region

When a commander would have more direct subordinates than the span-of-control limit,
intermediate formations are inserted framework-nation style: each nation's units stay together
(unit integrity), national blocks are packed first-fit-decreasing into groups of at most
`span`, and each group is led by the nation that brings most of its units.

How the force HQ lead is derived (our rule, stated once): the lead-tier nations that are
HQ-capable, willing to lead and contribute units in this state, ordered by personnel; the first
`co_leads` of them (default two, after the MNF-U's French–British co-lead announced in 2025) lead
the force HQ. With none of them taking part, the HQ-capable contributor with most personnel
leads; with no HQ-capable contributor at all, the force HQ is leaderless. Rotation of command
between co-leads (French command first, then British) is outside the model.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from willing.forcegen import arrays
from willing.forcegen.plan import CONTRIBUTING_TIERS
from willing.forcegen.result import PlanResult
from willing.results import Field, Result, Table, Tree
from willing.scenario.model import Tier

ROOT = "HQ"
"""Node id of the multinational force HQ."""

ECHELON = {"LAND": "Multinational Brigade", "AIR": "Air Task Group",
           "MARITIME": "Maritime Task Group", "REGENERATION": "Training Group"}
"""What a component's regional formation is called; other component names get `Task Group`."""

VERDICTS = ("clear", "fragmented", "leaderless")


@dataclass(frozen=True)
class Thresholds:
    """The limits the checks apply; every one configurable.

    - `span` (5): direct subordinates per commander. US Army FM 3-21.8 (A-118) keeps "span of
      control between two to five subordinate elements"; W. G. Pierce, *Span of Control and the
      Operational Commander* (SAMS monograph, 1991) finds two to five the usual planning figure.
    - `fragmented_hhi` (0.15): a component whose Herfindahl index of personnel contributions
      is below this is fragmented (no dominant contributor; more than ~6.7 equal-sized
      nations). The figure is the US DOJ/FTC Horizontal Merger Guidelines (2010, §5.3)
      boundary of an "unconcentrated" market, borrowed by analogy (assumption).
    - `co_leads` (2): at most this many lead-tier nations co-lead the force HQ (MNF-U:
      France and the UK, as announced in 2025).
    """

    span: int = 5
    fragmented_hhi: float = 0.15
    co_leads: int = 2

    def __post_init__(self) -> None:
        if self.span < 2:
            raise ValueError(f"span of control must be at least 2, got {self.span}")
        if not 0.0 < self.fragmented_hhi <= 1.0:
            raise ValueError(f"fragmented_hhi must be in (0, 1], got {self.fragmented_hhi:g}")
        if self.co_leads < 1:
            raise ValueError(f"co_leads must be at least 1, got {self.co_leads}")


@dataclass
class CommandStructure(Result):
    """The ORBAT of one plan as a networkx tree, with tables and checks an analyst can use.

    Node attributes: `kind` (force, component, formation, unit), `label`, `nation` (lead,
    framework or contributing nation; None when leaderless), `component`, `region`, `inserted`
    (an intermediate formation added for span of control), `units` and `personnel` below it,
    and `census` / `personnel_by` (Counters of units and personnel by nation below it).
    """

    result: PlanResult
    thresholds: Thresholds
    graph: nx.DiGraph
    force_leads: tuple[str, ...]
    force_lead_basis: str
    components: pd.DataFrame  # one row per component command, with lead checks and verdict
    formations: pd.DataFrame  # one row per formation, regional or inserted
    units: pd.DataFrame  # one row per deployed unit, with its commander
    caveats: pd.DataFrame  # allocations whose caveats forbid roles or regions the component needs
    checks: pd.DataFrame  # check, status (ok / warn / fail), detail
    root: str = field(default=ROOT)

    @property
    def inserted(self) -> int:
        return int(self.formations["inserted"].sum()) if not self.formations.empty else 0

    def children(self, node: str) -> list[str]:
        """Direct subordinates in display order: HQ units, then the node's own units, then
        formations, largest first."""
        g = self.graph

        def key(n: str) -> tuple[int, int, int]:
            d = g.nodes[n]
            return (_KIND_ORDER[d["kind"]], -d["units"] if d["kind"] == "formation" else 0,
                    d["order"])

        return sorted(g.successors(node), key=key)

    def tree(self, node: str = ROOT) -> dict[str, Any]:
        """The tree below `node` as nested plain data (what `--format json` prints)."""
        d = self.graph.nodes[node]
        out = {"id": node, **{k: d[k] for k in _PUBLIC if k in d}}
        kids = self.children(node)
        if kids:
            out["children"] = [self.tree(k) for k in kids]
        return out

    PARTS = (
        Field("scenario", lambda c: c.result.scenario.name),
        Field("state", lambda c: c.result.state),
        Field("thresholds", lambda c: vars(c.thresholds)),
        Field("force_hq", lambda c: {"leads": list(c.force_leads), "basis": c.force_lead_basis},
              public=("leads",), text=("basis",)),
        Table("components", public=("lead",), text=("reason",), title="Component commands"),
        Table("formations", public=("framework",), text=("label", "contributors"),
              public_rows=lambda r: not r.get("inserted")),
        Table("caveats", nation="nation"),
        Table("checks", text=("detail",), title="Checks"),
        Tree("tree", lambda c: c.tree(), public_nodes=lambda n: not n.get("inserted")),
    )

    def heading(self) -> str:
        r = self.result
        lead = "/".join(self.force_leads) or "none"
        return (f"<h3>willing ORBAT — {html.escape(r.scenario.name)}, state {r.state}</h3><p>"
                f"force HQ lead {lead}: {html.escape(self.force_lead_basis)}; "
                f"{self.graph.number_of_nodes()} nodes, {self.inserted} formations inserted for "
                f"span ≤ {self.thresholds.span}</p>")

    def to_dot(self) -> str:
        """Graphviz DOT text (no Graphviz needed to produce it): `dot -Tsvg` draws the ORBAT."""
        g = self.graph
        shape = {"force": "doubleoctagon", "component": "box3d", "formation": "box",
                 "unit": "ellipse"}
        lines = [f"digraph orbat {{  // {self.result.scenario.name}, state {self.result.state}",
                 "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
        edges = []
        stack = [self.root]
        while stack:
            n = stack.pop()
            d = g.nodes[n]
            style = ", style=dashed" if d.get("inserted") else ""
            lines.append(f"  {_q(n)} [label={_q(d['label'])}, shape={shape[d['kind']]}{style}];")
            kids = self.children(n)
            edges += [f"  {_q(n)} -> {_q(k)};" for k in kids]
            stack.extend(reversed(kids))
        lines += edges
        lines.append("}")
        return "\n".join(lines) + "\n"


_KIND_ORDER = {"force": 0, "unit": 1, "component": 2, "formation": 3}
_PUBLIC = ("kind", "label", "nation", "component", "region", "inserted", "units", "personnel",
           "capability", "requirement", "pledge", "role")


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid DOT quoted id


def command_structure(result: PlanResult, thresholds: Thresholds | None = None) -> CommandStructure:
    """Build the ORBAT of a plan and check it (one root, one commander per unit, leads, span
    of control, caveats, fragmentation)."""
    th = thresholds or Thresholds()
    units = _unit_rows(result)
    leads, basis = force_leads(result, th.co_leads)
    g = nx.DiGraph()
    g.add_node(ROOT, kind="force", nation="/".join(leads) or None, component=None, region=None,
               order=0, census=Counter(), personnel_by=Counter(),
               label="Multinational Force HQ — " + (
                   f"co-lead {'/'.join(leads)}" if len(leads) > 1 else
                   f"lead {leads[0]}" if leads else "no lead"))
    lead_of = dict(zip(result.leads["component"], result.leads["lead"], strict=True))
    comps = list(dict.fromkeys([*result.leads["component"], *units["component"]]))
    for k, comp in enumerate(comps):
        lead = lead_of.get(comp)
        lead = lead if isinstance(lead, str) else None
        g.add_node(comp, kind="component", nation=lead, component=comp, region=None, order=k,
                   label=f"{comp} component — " + (f"lead {lead}" if lead else "no lead"))
        g.add_edge(ROOT, comp)

    hq_level = {c: cap.hq_level for c, cap in result.scenario.catalogue.items()}
    per_parent = {c: cap.per_parent for c, cap in result.scenario.catalogue.items()}
    commander = []
    for k, row in enumerate(units.to_dict("records")):
        level = hq_level.get(row["requirement_capability"])
        comp, region, nation = row["component"], row["region"], row["nation"]
        if level == "force":
            parent = ROOT
        elif level == "component":
            parent = comp
        else:
            parent = f"{comp}/{region}"
            if parent not in g:
                g.add_node(parent, kind="formation", component=comp, region=region,
                           inserted=False, order=len(g),
                           label=f"{ECHELON.get(comp, 'Task Group')} {region}")
                g.add_edge(comp, parent)
        formed = row.get("formed_unit")
        if isinstance(formed, str):  # a sub-unit: under its formed unit, which counts as one
            if formed not in g:
                g.add_node(formed, kind="formation", formed=True, component=comp, region=region,
                           inserted=False, nation=row["framework"], order=len(g),
                           label=f"Formed {row['requirement_capability']} {formed}")
                g.add_edge(parent, formed)
            parent = formed
        commander.append(parent)
        share = 1.0 / (per_parent.get(row["capability"]) or 1)
        g.add_node(row["unit"], kind="unit", nation=nation, component=comp, region=region,
                   capability=row["capability"], requirement=row["requirement"],
                   pledge=row["pledge"], role=row["role"], personnel=int(row["personnel"]),
                   units=1, order=k, census=Counter({nation: share}),
                   personnel_by=Counter({nation: int(row["personnel"])}),
                   label=f"{nation} {row['capability']}" + (
                       f" as {row['requirement_capability']}"
                       if row["capability"] != row["requirement_capability"] else "")
                   + f" · {region}")
        g.add_edge(parent, row["unit"])
    _census(g, ROOT)
    able = {iso: (str(n.tier) in CONTRIBUTING_TIERS, n.hq_capable)
            for iso, n in result.scenario.spec.nations.items()}
    for _, d in g.nodes(data=True):
        if d["kind"] == "formation":
            if not d.get("formed"):  # a formed unit's framework is force generation's
                d["nation"] = _framework(d["census"], d["personnel_by"], able)
            d["label"] += f" — framework {d['nation']}"  # a regional formation has units
            if d.get("formed"):
                d["label"] += ", contributors " + ", ".join(_contributors(d))
    _limit_span(g, ROOT, th.span, able)
    units["commander"] = [next(iter(g.predecessors(u))) for u in units["unit"]]
    units["formation"] = commander

    components = _components(result, g, comps, th, {n: a[1] for n, a in able.items()})
    formations = _formations(g)
    caveats = _caveats(result)
    checks = _checks(g, result, leads, components, formations, caveats, th)
    return CommandStructure(result=result, thresholds=th, graph=g, force_leads=leads,
                            force_lead_basis=basis, components=components, formations=formations,
                            units=units, caveats=caveats, checks=checks)


def force_leads(result: PlanResult, co_leads: int = 2) -> tuple[tuple[str, ...], str]:
    """Who leads the multinational force HQ in this plan, and on what basis (module docstring)."""
    spec = result.scenario.spec.nations
    pers = result.allocation.groupby("nation")["personnel"].sum().sort_values(ascending=False,
                                                                              kind="stable")
    able = [n for n in pers.index if pers[n] > 0 and spec[n].hq_capable and spec[n].will_lead
            and str(spec[n].tier) in CONTRIBUTING_TIERS]
    lead_tier = [n for n in able if spec[n].tier == Tier.LEAD]
    if lead_tier:
        chosen = tuple(lead_tier[:co_leads])
        return chosen, (f"lead-tier HQ-capable nations taking part, by personnel "
                        f"({', '.join(f'{n} {int(pers[n]):,}' for n in lead_tier)}); "
                        f"at most {co_leads} co-lead")
    if able:
        return (able[0],), (f"no lead-tier nation takes part; {able[0]} is the HQ-capable "
                            f"contributor with most personnel ({int(pers[able[0]]):,})")
    return (), "no HQ-capable nation willing to lead takes part: the force HQ is leaderless"


def _unit_rows(result: PlanResult) -> pd.DataFrame:
    """One row per deployed unit (allocation rows repeated by their unit counts)."""
    a = result.allocation
    cols = ["nation", "pledge", "capability", "requirement", "requirement_capability",
            "component", "region", "role", "formed_unit", "framework"]
    if a.empty:
        return pd.DataFrame(columns=["unit", *cols, "personnel", "cost_musd_per_year"])
    ppu = a["personnel"] / a["units"]
    cpu = a["cost_musd_per_year"] / a["units"]
    rep = np.repeat(np.arange(len(a)), a["units"].to_numpy())
    u = a.iloc[rep].reindex(columns=cols).reset_index(drop=True)  # plans stored before formed
    # units had no formed_unit column: none of their units is in one
    u["personnel"] = ppu.to_numpy()[rep].round().astype(np.int64)
    u["cost_musd_per_year"] = cpu.to_numpy()[rep]
    k = u.groupby(["pledge", "requirement"]).cumcount() + 1
    u.insert(0, "unit", u["pledge"] + ":" + u["requirement"] + ":" + k.astype(str))
    # framework-style order inside each region: the biggest contributor's units first
    big = u.groupby(["component", "region", "nation"])["unit"].transform("size")
    u = u.assign(_big=-big).sort_values(["component", "region", "_big", "nation", "capability",
                                         "requirement_capability", "unit"], kind="stable")
    return u.drop(columns="_big").reset_index(drop=True)


def _census(g: nx.DiGraph, node: str) -> None:
    """Units and personnel by nation below each node (post-order)."""
    d = g.nodes[node]
    if d["kind"] == "unit":
        return
    d["census"], d["personnel_by"] = Counter(), Counter()
    for k in g.successors(node):
        _census(g, k)
        d["census"].update(g.nodes[k]["census"])
        d["personnel_by"].update(g.nodes[k]["personnel_by"])
    _totals(d)


def _totals(d: dict[str, Any]) -> None:
    d["units"] = round(sum(d["census"].values()))  # a sub-unit counts its share of a unit
    d["personnel"] = int(sum(d["personnel_by"].values()))


def _framework(census: Counter[str], personnel: Counter[str],
               able: dict[str, tuple[bool, bool]]) -> str | None:
    """The nation that brings most units; ties go to more personnel, then HQ-capable, then A–Z.

    `able[n]` is (contributing tier, HQ-capable). A European-led force with US backing puts
    backstop (and host) units under a lead- or member-tier framework nation whenever one is in
    the formation; they frame only formations made of their own units.
    """
    if not census:
        return None  # only empty commands below (components with no units allocated)
    return min(census, key=lambda n: (not able.get(n, (False, False))[0], -census[n], -personnel[n],
                                      not able.get(n, (False, False))[1], n))


def _limit_span(g: nx.DiGraph, node: str, span: int, able: dict[str, tuple[bool, bool]]) -> None:
    """Insert framework-nation formations (top-down) wherever a node has more than `span`
    direct subordinates: task units over units, task groups over task units."""
    d = g.nodes[node]
    level = 0
    while g.out_degree(node) > span:
        level += 1
        kids = list(g.successors(node))
        g.remove_edges_from([(node, k) for k in kids])
        for b, members in enumerate(_pack(g, kids, span), start=1):
            if len(members) == 1:
                g.add_edge(node, members[0])
                continue
            gid = f"{node}/{level}.{b}"
            census: Counter[str] = sum((g.nodes[m]["census"] for m in members), Counter())
            pers: Counter[str] = sum((g.nodes[m]["personnel_by"] for m in members), Counter())
            lead = _framework(census, pers, able)
            g.add_node(gid, kind="formation", component=d["component"], region=d["region"],
                       inserted=True, nation=lead, census=census, personnel_by=pers,
                       order=len(g),
                       label=f"{'Task Unit' if level == 1 else 'Task Group'} {b} — "
                             + (f"framework {lead}" if lead else "no units"))
            _totals(g.nodes[gid])
            g.add_edge(node, gid)
            g.add_edges_from((gid, m) for m in members)
    for k in list(g.successors(node)):
        if g.nodes[k]["kind"] != "unit":
            _limit_span(g, k, span, able)


def _pack(g: nx.DiGraph, kids: list[str], span: int) -> list[list[str]]:
    """Group subordinates framework-nation style: national blocks (split at `span`) packed
    first-fit-decreasing into groups of at most `span`; biggest contributors first."""
    by_nation: dict[str, list[str]] = {}
    for k in kids:
        by_nation.setdefault(g.nodes[k]["nation"] or "", []).append(k)
    weight = {n: sum(g.nodes[k]["units"] for k in ks) for n, ks in by_nation.items()}
    blocks = [ks[i:i + span] for n in sorted(by_nation, key=lambda n: (-weight[n], n))
              for ks in [by_nation[n]] for i in range(0, len(ks), span)]
    bins: list[list[str]] = []
    for block in sorted(blocks, key=len, reverse=True):  # stable: ties keep the nation order
        home = next((b for b in bins if len(b) + len(block) <= span), None)
        if home is None:
            bins.append(list(block))
        else:
            home.extend(block)
    return bins


def _components(result: PlanResult, g: nx.DiGraph, comps: list[str], th: Thresholds,
                hq_ok: dict[str, bool]) -> pd.DataFrame:
    """Lead checks, fragmentation index and verdict per component command."""
    leads = {r["component"]: r for r in result.leads.to_dict("records")}
    by_comp = {r["component"]: r for r in result.by_component.to_dict("records")}
    rows = []
    for comp in comps:
        lead = g.nodes[comp]["nation"]
        ld = leads.get(comp)
        share = float(ld["lead_share"]) if ld is not None else 0.0
        share_min = float(ld["lead_share_min"]) if ld is not None else 0.0
        c = by_comp.get(comp, {"nations": 0, "units_filled": 0, "personnel_filled": 0})
        nations, units, personnel = int(c["nations"]), int(c["units_filled"]), int(c["personnel_filled"])
        hhi = float(c["herfindahl"]) if personnel > 0 else float("nan")
        if lead is None:
            verdict = "leaderless"
            reason = str(ld["reason"]) if ld is not None and ld["reason"] else "no lead nation"
        elif not hq_ok.get(lead, False):
            verdict, reason = "leaderless", f"lead {lead} is not HQ-capable"
        elif share + 1e-9 < share_min:
            verdict, reason = "leaderless", (f"lead {lead} brings {share:.0%}, less than the "
                                             f"required {share_min:.0%}")
        elif units == 0:
            verdict, reason = "leaderless", "no units allocated"
        elif hhi < th.fragmented_hhi:
            verdict, reason = "fragmented", (
                f"Herfindahl {hhi:.2f} < {th.fragmented_hhi:.2f}: {nations} nations, as "
                f"dispersed as {1 / hhi:.1f} equal contributors")
        else:
            verdict, reason = "clear", (f"{lead} leads with {share:.0%} (≥ {share_min:.0%}); "
                                        f"Herfindahl {hhi:.2f}")
        rows.append({"component": comp, "lead": lead,
                     "lead_hq_capable": hq_ok.get(lead, False) if lead else False,
                     "lead_share": share, "lead_share_min": share_min, "nations": nations,
                     "units": units, "personnel": personnel, "herfindahl": hhi,
                     "effective_nations": 1 / hhi if hhi > 0 else float("nan"),
                     "formations": sum(1 for n in nx.descendants(g, comp)
                                       if g.nodes[n]["kind"] == "formation"),
                     "verdict": verdict, "reason": reason})
    return pd.DataFrame(rows, columns=["component", "lead", "lead_hq_capable", "lead_share",
                                       "lead_share_min", "nations", "units", "personnel",
                                       "herfindahl", "effective_nations", "formations",
                                       "verdict", "reason"])


def _contributors(d: dict[str, Any]) -> list[str]:
    """The nations below a formation other than its framework nation."""
    return sorted(n for n in d["census"] if n != d["nation"])


def _formations(g: nx.DiGraph) -> pd.DataFrame:
    rows = [{"formation": n, "label": d["label"], "component": d["component"],
             "region": d["region"], "framework": d["nation"], "inserted": d["inserted"],
             "commander": next(iter(g.predecessors(n))), "subordinates": g.out_degree(n),
             "units": d["units"], "nations": len(d["census"]), "personnel": d["personnel"],
             "formed": bool(d.get("formed", False)), "contributors": ",".join(_contributors(d))}
            for n, d in g.nodes(data=True) if d["kind"] == "formation"]
    return pd.DataFrame(rows, columns=["formation", "label", "component", "region", "framework",
                                       "inserted", "commander", "subordinates", "units",
                                       "nations", "personnel", "formed", "contributors"])


def _caveats(result: PlanResult) -> pd.DataFrame:
    """Allocated pledges whose caveats forbid a role (or region) that their component needs
    for their capability in this state: units the component commander cannot re-task."""
    cols = ["nation", "pledge", "capability", "component", "units", "forbidden_roles",
            "forbidden_regions"]
    a = result.allocation
    if a.empty:
        return pd.DataFrame(columns=cols)
    sc = result.scenario
    pa = arrays.pledge_arrays(sc)
    ra = arrays.requirement_arrays(sc, result.requirement_list)
    mk = arrays.masks(sc, pa, ra, result.state)
    roles, regions = list(sc.spec.roles), list(sc.spec.regions)
    p_idx = {p.id: i for i, p in enumerate(sc.pledges)}
    rows = []
    for (pledge, comp), part in a.groupby(["pledge", "component"], sort=True):
        p = p_idx[str(pledge)]
        needs = mk.capability[p] & (ra.component == ra.components.index(comp))
        bad_role = sorted({roles[r] for r in ra.role[needs & ~mk.role[p]]})
        bad_region = sorted({regions[r] for r in ra.region[needs & ~mk.region[p]]})
        if bad_role or bad_region:
            rows.append({"nation": part["nation"].iloc[0], "pledge": pledge,
                         "capability": part["capability"].iloc[0], "component": comp,
                         "units": int(part["units"].sum()),
                         "forbidden_roles": ",".join(bad_role),
                         "forbidden_regions": ",".join(bad_region)})
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["forbidden_roles", "nation", "pledge"], ascending=[False, True, True],
                          kind="stable").reset_index(drop=True)


def _checks(g: nx.DiGraph, result: PlanResult, leads: tuple[str, ...], components: pd.DataFrame,
            formations: pd.DataFrame, caveats: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    roots = [n for n in g if g.in_degree(n) == 0]
    unit_nodes = [n for n, d in g.nodes(data=True) if d["kind"] == "unit"]
    allocated = int(result.allocation["units"].sum()) if not result.allocation.empty else 0
    commanders = Counter(g.in_degree(n) for n in unit_nodes)
    one_commander = set(commanders) <= {1} and len(unit_nodes) == allocated
    widest = max((g.out_degree(n) for n in g), default=0)
    inserted = formations[formations["inserted"]] if not formations.empty else formations
    where = ", ".join(sorted(set(inserted["component"].fillna(ROOT)))) if len(inserted) else ""
    led = components[components["verdict"] != "leaderless"]
    frag = components[components["verdict"] == "fragmented"]
    role_cav = caveats[caveats["forbidden_roles"] != ""] if not caveats.empty else caveats
    rows = [
        ("one root", "ok" if roots == [ROOT] and nx.is_arborescence(g) else "fail",
         f"{len(roots)} root(s); the ORBAT is {'a' if nx.is_arborescence(g) else 'not a'} tree"),
        ("force HQ lead", "fail" if not leads else "ok" if all(
            result.scenario.spec.nations[n].tier == Tier.LEAD for n in leads) else "warn",
         ("co-lead " if len(leads) > 1 else "lead ") + "/".join(leads) if leads
         else "no HQ-capable nation willing to lead takes part"),
        ("one commander per unit", "ok" if one_commander else "fail",
         f"{len(unit_nodes)} unit nodes for {allocated} allocated units; commanders per unit: "
         + ", ".join(f"{k}×{v}" for k, v in sorted(commanders.items()))),
        ("component leads", "ok" if len(led) == len(components) else "fail",
         f"{len(led)} of {len(components)} components have an HQ-capable lead bringing its "
         "required share" + ("" if len(led) == len(components) else "; leaderless: " + ", ".join(
             components.loc[components["verdict"] == "leaderless", "component"]))),
        ("span of control", "ok" if widest <= th.span else "fail",
         f"widest command {widest} ≤ {th.span}" + (
             f"; {len(inserted)} intermediate formations inserted ({where})" if len(inserted)
             else "; no formation inserted")),
        ("caveats", "warn" if len(role_cav) else "ok",
         f"{int(role_cav['units'].sum()) if len(role_cav) else 0} units in {len(role_cav)} "
         "pledges have caveats that forbid a role their component needs"
         + (f"; {len(caveats) - len(role_cav)} other pledges forbid regions it needs" if
            len(caveats) > len(role_cav) else "")),
        ("fragmentation", "warn" if len(frag) else "ok",
         f"Herfindahl < {th.fragmented_hhi:.2f} in "
         + (", ".join(frag["component"]) if len(frag) else "no component")),
    ]
    return pd.DataFrame(rows, columns=["check", "status", "detail"])


__all__ = ["ECHELON", "ROOT", "VERDICTS", "CommandStructure", "Thresholds", "command_structure",
           "force_leads"]
