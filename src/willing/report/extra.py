"""Sections for the analyses of other modules (command structure, build-up, sustainability,
robustness); each appears only when the bundle holds that analysis. The registry of analyses
(`willing.analyses`) names each analysis's section builder."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from willing.report.figures import Section, frame, layout, plan_source, relevant, scenario_source


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


def buildup(b: dict[str, Any]) -> Section | None:
    bu = b.get("buildup")
    if not isinstance(bu, dict) or not bu.get("daily"):
        return None
    daily = frame(bu["daily"])
    reqs = frame(bu.get("requirements"))
    summary = bu.get("summary", {})
    last = int(max(summary.get("closure_day") or 0,
                   reqs["required_by_day"].max() if "required_by_day" in reqs else 0)) + 30
    daily = daily[daily["day"] <= last]
    comps = [c for c in daily.columns if c not in ("day", "personnel_in_theatre")]
    fig = go.Figure()
    for c in comps:
        fig.add_scatter(x=daily["day"], y=daily[c], name=c, stackgroup="theatre", mode="lines",
                        hovertemplate=f"{c}: %{{y:,}} on day %{{x}}<extra></extra>")
    if {"required_by_day", "personnel"} <= set(reqs.columns):
        need = reqs.groupby("required_by_day")["personnel"].sum().sort_index().cumsum()
        fig.add_scatter(x=[0, *need.index, last], y=[0, *need.values, need.values[-1]],
                        name="allocated personnel due by their required-by days", mode="lines",
                        line={"shape": "hv", "dash": "dash", "color": "#c0392b", "width": 2})
    fig.update_layout(xaxis_title="days from D-day", yaxis_title="personnel in theatre")
    late = frame(bu.get("late"))
    cols = [c for c in ["requirement", "priority", "required_by_day", "closure_day", "late_days",
                        "bottleneck", "detail"] if c in late]
    eps = frame(bu.get("entry_points"))
    ep_assumptions = [{"where": f"entry point {r['entry_point']}", "nation": None, "capability": None,
                       "text": r["assumption"]} for r in eps.to_dict("records") if r.get("assumption")]
    ep_sources = "; ".join(f"{r['entry_point']}: {r['source']}" for r in eps.to_dict("records")
                           if r.get("source"))
    return Section("buildup", "Build-up: personnel in theatre by day",
                   f"Each allocated unit is ready at its readiness day, then moves through an entry "
                   f"point with a daily capacity. The force closes on day "
                   f"{summary.get('closure_day', '—')}; {summary.get('late_requirements', 0)} "
                   f"requirements close after their required-by day (table).",
                   layout(fig), late[cols] if cols else late,
                   f"willing buildup on the plan; entry-point capacities: {ep_sources or 'scenario'}"
                   f"; {plan_source(b)}", ep_assumptions)


def sustain(b: dict[str, Any]) -> Section | None:
    su = b.get("sustain")
    if not isinstance(su, dict) or not su.get("by_year"):
        return None
    years = frame(su["by_year"])
    nations = frame(su.get("nations"))
    summary = su.get("summary", {})
    top = (years.groupby("nation")["cost_musd"].sum().sort_values(ascending=False).index[:8])
    years["who"] = years["nation"].where(years["nation"].isin(top), "others")
    cost = years.groupby(["year", "who"], sort=False)["cost_musd"].sum().reset_index()
    fig = go.Figure()
    for who, part in cost.groupby("who", sort=False):
        fig.add_bar(x=part["year"], y=part["cost_musd"], name=str(who))
    milex = nations.set_index("nation")["milex_usd_bn"] if "milex_usd_bn" in nations else None
    if milex is not None:
        per_year = years.groupby("year")["cost_musd"].sum()
        budget = float(milex.sum()) * 1000.0
        fig.add_scatter(x=per_year.index, y=per_year / budget if budget else per_year * 0,
                        name="share of the contributors' defence budgets", yaxis="y2",
                        mode="lines+markers", line={"color": "#c0392b"})
    fig.update_layout(barmode="stack", xaxis={"title": "year of the horizon", "dtick": 1},
                      yaxis={"title": "cost, US$ m a year"},
                      yaxis2={"title": "share of defence budgets", "overlaying": "y",
                              "side": "right", "tickformat": ".2%", "rangemode": "tozero"})
    cols = [c for c in ["nation", "pool_units", "pool_personnel", "share_active",
                        "annual_cost_musd", "share_budget", "cliffs", "flags"] if c in nations]
    flagged = summary.get("flagged") or []
    return Section("sustain", "Sustainability per year",
                   f"An enduring force needs a rotation pool behind every deployed unit: "
                   f"{summary.get('pool_personnel', 0):,} personnel in the pools, "
                   f"US$ {summary.get('annual_cost_musd', 0):,.0f} m a year. "
                   f"{summary.get('cliffs', 0)} rotation cliff(s) (a tour ends with nobody to "
                   f"relieve it). Nations above the thresholds ("
                   f"{summary.get('budget_threshold', 0):.0%} of the defence budget or "
                   f"{summary.get('personnel_threshold', 0):.0%} of active personnel): "
                   f"{', '.join(flagged) or 'none'}.{_demand_text(su.get('demand'))}", layout(fig),
                   nations[cols] if cols else nations,
                   f"willing sustain on the plan, {summary.get('years', '—')} years; unit-year costs "
                   f"from data/capabilities.csv (each row names its source), defence budgets from "
                   f"data/nations.csv (SIPRI); {plan_source(b)}",
                   relevant(b, nations=set(nations.get("nation", []))))


def _demand_text(d: Any) -> str:
    """The force as sized, whatever was allocated: the demand-side verdict (willing.demand)."""
    if not isinstance(d, dict) or "verdict" not in d:
        return ""
    share = d.get("share_of_active")
    return (f" As sized, the force option keeps {d['deployed_personnel']:,} personnel deployed "
            f"from a rotation pool of {d['pool_personnel']:,}"
            + (f" ({share:.1%} of the coalition's active personnel)" if share is not None else "")
            + f" at US$ {d['annual_cost_musd']:,.0f} m a year: {d['verdict']} against the UK's "
            f"sustained peak in Afghanistan (docs/sustain.md).")


def _run_label(b: dict[str, Any], command: str) -> str:
    r = b.get(f"{command}_run") or {}
    return f"run {r.get('id', '—')} ({r.get('created', '')})"


def stress(b: dict[str, Any]) -> list[Section] | None:
    """The coverage distribution, the P(coverage ≥ x) curve with the full-attendance statement,
    and P(met) per requirement."""
    st = b.get("stress")
    if not isinstance(st, dict) or not st.get("distribution"):
        return None
    return [_stress_distribution(b, st), *(s for s in (_stress_curve(b, st),
                                                       _stress_requirements(b, st)) if s)]


def _stress_source(b: dict[str, Any], st: dict[str, Any]) -> str:
    return (f"willing stress {_run_label(b, 'stress')}, seed {st.get('summary', {}).get('seed')}; "
            f"willingness and probabilities from the {scenario_source(b)}")


def _stress_curve(b: dict[str, Any], st: dict[str, Any]) -> Section | None:
    c = frame(st.get("curve"))
    if c.empty:
        return None
    s = st.get("summary", {})
    fig = go.Figure()
    for col, name, colour in (("essential", "essential units", "#c0392b"),
                              ("coverage", "all units", "#4a90c2"),
                              ("personnel", "personnel", "#1f4e79"),
                              ("weighted", "weighted", "#e67e22")):
        if col in c:
            fig.add_scatter(x=c["x"], y=c[col], name=name, mode="lines+markers",
                            line={"color": colour, "shape": "hv"},
                            hovertemplate="P(coverage ≥ %{x:.0%}) = %{y:.1%}<extra></extra>")
    fig.update_layout(xaxis={"title": "coverage x", "tickformat": ".0%"},
                      yaxis={"title": "P(coverage ≥ x)", "tickformat": ".0%", "range": [0, 1.02]})
    at = dict(zip(c["x"].round(2), c["essential"], strict=True))
    points = ", ".join(f"{x:.0%}: {at[x]:.1%}" for x in (0.5, 0.8, 0.9) if x in at)
    full = (st.get("full_attendance") or {}).get("statement", "")
    return Section("stress-curve", "How much of the force holds",
                   f"The probability that at least a share x of the essential units (and of all "
                   f"units, and of the required personnel) is filled. P(essential coverage ≥ x) "
                   f"at {points}; mean personnel coverage {s.get('mean_personnel', 0):.1%}. "
                   f"{full}", layout(fig), c, _stress_source(b, st))


def _stress_requirements(b: dict[str, Any], st: dict[str, Any]) -> Section | None:
    r = frame(st.get("requirements"))
    if r.empty or "p_met" not in r:
        return None
    cols = [c for c in ("requirement", "priority", "capability", "region", "units", "p_met")
            if c in r]
    return Section("stress-requirements", "Each requirement: how often it is met",
                   "The probability that every best allocation (most units by priority) fills "
                   "the requirement, least often met first.", None, r[cols],
                   _stress_source(b, st))


def _stress_distribution(b: dict[str, Any], st: dict[str, Any]) -> Section:
    d = frame(st["distribution"])
    s = st.get("summary", {})
    fig = go.Figure()
    for measure, colour in [("all", "#4a90c2"), ("essential", "#c0392b")]:
        part = d[d["measure"] == measure]
        fig.add_bar(x=part["coverage"], y=part["probability"], name=f"{measure} requirements",
                    marker_color=colour, opacity=0.7,
                    hovertemplate="coverage %{x:.1%}: probability %{y:.2%}<extra></extra>")
    fig.update_layout(barmode="overlay", xaxis={"title": "share of units filled",
                                                "tickformat": ".0%"},
                      yaxis={"title": "probability", "tickformat": ".1%"})
    cond = frame(st.get("conditional"))
    unc = [a for a in b["scenario"]["assumptions"] if "uncertainty" in a["where"]]
    return Section("stress", "Coverage under political uncertainty",
                   f"Who shows up, drawn {s.get('draws', 0):,} times (US backstop, adversary "
                   f"consent, ceasefire, mandate, then each nation by a one-factor Gaussian copula; "
                   f"docs/robust.md). Mean coverage {s.get('mean_coverage', 0):.1%}, essential "
                   f"{s.get('mean_essential', 0):.1%}, personnel "
                   f"{s.get('mean_personnel', 0):.1%}; every essential requirement met with "
                   f"probability {s.get('p_essential_met', 0):.1%}. The table conditions on each "
                   f"global variable.", layout(fig), cond, _stress_source(b, st), unc)


def pivotal(b: dict[str, Any]) -> Section | None:
    pv = b.get("pivotal")
    if not isinstance(pv, dict) or not pv.get("nations"):
        return None
    n = frame(pv["nations"]).head(15)
    s = pv.get("summary", {})
    fig = go.Figure()
    fig.add_bar(x=n["nation"], y=n["shapley"], name="Shapley value",
                error_y={"type": "data", "array": 2 * n["shapley_se"]} if "shapley_se" in n else None,
                marker_color="#1f4e79")
    if "banzhaf" in n:
        fig.add_scatter(x=n["nation"], y=n["banzhaf"], name="Banzhaf value", mode="markers",
                        marker={"color": "#e67e22", "size": 9})
    fig.update_layout(yaxis={"title": f"share of {s.get('measure', 'coverage')}",
                             "tickformat": ".1%"})
    return Section("pivotal", "Pivotal nations",
                   "Each nation's average marginal contribution to coverage (Shapley value, by "
                   f"{s.get('permutations', 0):,} sampled orders; error bars ±2 standard errors) "
                   "and its Banzhaf value: who the coalition cannot do without.", layout(fig), n,
                   f"willing pivotal {_run_label(b, 'pivotal')}, seed {s.get('seed')}; "
                   f"{scenario_source(b)}")


def timeline(b: dict[str, Any]) -> Section | None:
    """The report's timeline: coverage and P(essential met) as of each date (a stored run)."""
    d = frame((b.get("timeline") or {}).get("dates"))
    if d.empty:
        return None
    fig = go.Figure()
    for col, name in (("coverage", "units filled"), ("personnel_coverage", "personnel filled"),
                      ("essential_coverage", "essential units filled"),
                      ("p_essential_met", "P(every essential requirement met)")):
        fig.add_scatter(x=d["date"], y=d[col], name=name, mode="lines+markers")
    fig.update_layout(yaxis={"tickformat": ".0%", "range": [0, 1.02]},
                      xaxis={"title": "as of"})
    last = d.iloc[-1]
    return Section("timeline", "The coalition over time",
                   f"The force option planned with the pledges the public ledger records up to "
                   f"each date. As of {last['date']}: {last['coverage']:.0%} of the units and "
                   f"{last['personnel_coverage']:.0%} of the personnel filled, "
                   f"{last['essential_coverage']:.0%} of the essential units; P(every essential "
                   f"requirement met) {last['p_essential_met']:.1%}.", layout(fig), d,
                   "willing timeline: pledges as of each date from data/ledger.csv "
                   "(each entry with its public source and date); docs/ledger.md")


def asks(b: dict[str, Any]) -> Section | None:
    """The report's asks (a stored run): the ask list by nation, and the aggregate effect.

    The list is per nation, so a national representative's report lists its own nation's asks
    only; the totals and the effect are the coalition's, shown to every viewer."""
    a = b.get("asks")
    if not isinstance(a, dict) or "summary" not in a:
        return None
    s = a["summary"]
    lines = frame(a.get("lines"), ("nation", "capability", "region", "required_by_day",
                                   "units", "personnel"))
    table = lines[["nation", "capability", "region", "required_by_day", "units", "personnel"]]
    p = (f" P(every essential requirement met) {s['p_essential_met_before']:.1%} → "
         f"{s['p_essential_met_after']:.1%}." if "p_essential_met_before" in s else "")
    rob = a.get("robust") or {}
    robust = (f" Robust asks for P ≥ {rob['p_target']:.0%}: {rob['p_check']:.1%} on "
              f"{rob['check_draws']:,} fresh draws ({rob['method']}; every spare unit asked "
              f"would give {rob['p_every_spare_unit']:.1%})." if rob else "")
    return Section("asks", "Asks: the cheapest additional pledges",
                   f"Target {s['target']}, {'reachable' if s['reachable'] else 'not reachable'} "
                   f"from what nations field: {s['units']} units, {s['personnel']:,} personnel, "
                   f"US$ {s['cost_musd_per_year']:,.0f} m a year. Coverage "
                   f"{s['coverage_before']:.0%} → {s['coverage_after']:.0%}, essential "
                   f"{s['essential_coverage_before']:.0%} → {s['essential_coverage_after']:.0%}."
                   + p + robust, None, table,
                   f"willing asks {_run_label(b, 'asks')}: what nations field from "
                   "data/forces.csv (each row with its public source), within each nation's "
                   "deployment ceiling and stated caveats; docs/asks.md")
