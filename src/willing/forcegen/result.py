"""The result of force generation in one state: tables an analyst can group and join."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from willing import coverage
from willing.forcegen.solve import SolveInfo
from willing.results import Field, Result, Table
from willing.scenario.scenario import Scenario
from willing.sizing import Requirement

PRIORITIES = ["essential", "important", "desirable"]


def hosts(row: dict[str, Any]) -> bool:
    """The host nation is public: the mission is on its soil, and named in every title."""
    return row.get("tier") == "host"


@dataclass
class PlanResult(Result):
    """An optimal allocation of pledges to requirements in one contingency state.

    Every table uses the same vocabulary (`nation`, `component`, `mission_line`,
    `requirement`, `pledge`, `priority`), so they join and group alike.
    """

    scenario: Scenario
    state: str
    requirements: pd.DataFrame  # one row per requirement, with filled and unmet units
    allocation: pd.DataFrame  # one row per (pledge, requirement) with units > 0
    gaps: pd.DataFrame  # one row per requirement with unmet units, with the reason
    by_nation: pd.DataFrame  # contribution against fair share, per nation
    by_component: pd.DataFrame  # fill, nations, lead and Herfindahl per component
    leads: pd.DataFrame  # lead nation of each component, or why there is none
    solver: SolveInfo
    seconds: float
    requirement_list: list[Requirement] = field(default_factory=list, repr=False)

    @property
    def coverage(self) -> pd.DataFrame:
        """Units and personnel required and filled, by mission line and priority: personnel
        as deployed (`personnel_filled`) and as posts filled at the requirement's personnel per
        unit (`personnel_covered`, over `personnel_required`: `personnel_coverage`)."""
        r = self.requirements
        if r.empty:
            return pd.DataFrame(columns=["mission_line", "priority", "required", "filled",
                                         "personnel_required", "personnel_filled",
                                         "personnel_covered", "coverage", "personnel_coverage"])
        g = (r.groupby(["mission_line", "priority"], sort=False)[
            ["count", "filled", "personnel", "personnel_filled", "personnel_covered"]].sum()
             .reset_index())
        g = g.rename(columns={"count": "required", "personnel": "personnel_required"})
        g["coverage"] = (g["filled"] / g["required"]).where(g["required"] > 0, 1.0)
        g["personnel_coverage"] = (g["personnel_covered"] / g["personnel_required"]).where(
            g["personnel_required"] > 0, 1.0)
        order = {p: i for i, p in enumerate(PRIORITIES)}
        return g.sort_values(["mission_line", "priority"],
                             key=lambda s: s.map(order) if s.name == "priority" else s
                             ).reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Headline figures: coverage overall (by units, by personnel and, when the scenario
        weights its requirements, weighted; willing.coverage) and of essential requirements."""
        r = self.requirements
        req = float(r["count"].sum()) if not r.empty else 0.0
        ess = r[r["priority"] == "essential"] if not r.empty else r
        ess_req = float(ess["count"].sum()) if not ess.empty else 0.0
        weighted = {"weighted_coverage": coverage.share(r["filled"], r["count"], r["weight"])
                    } if not r.empty and (r["weight"] != 1.0).any() else {}
        return {
            "scenario": self.scenario.name,
            "force_option": self.scenario.force_option,
            "state": self.state,
            "requirements": len(r),
            "units_required": int(req),
            "units_filled": int(r["filled"].sum()) if not r.empty else 0,
            "coverage": float(r["filled"].sum() / req) if req else 1.0,
            "essential_coverage": float(ess["filled"].sum() / ess_req) if ess_req else 1.0,
            **weighted,
            "personnel_required": int(r["personnel"].sum()) if not r.empty else 0,
            "personnel_coverage": coverage.share(r["personnel_covered"], r["personnel"])
            if not r.empty else 1.0,
            "personnel_deployed": int(self.allocation["personnel"].sum())
            if not self.allocation.empty else 0,
            "nations_contributing": int(self.allocation["nation"].nunique())
            if not self.allocation.empty else 0,
            "gaps": len(self.gaps),
            "solver_status": self.solver.status,
            "mip_gap": self.solver.mip_gap,
            "solver_proof": self.solver.proof(),
            "seconds": round(self.seconds, 3),
        }

    def heading(self) -> str:
        s = self.summary()
        return (f"<h3>willing plan — {s['scenario']} ({s['force_option'] or 'base'}), "
                f"state {s['state']}</h3><p>coverage {s['coverage']:.1%} · essential "
                f"{s['essential_coverage']:.1%} · personnel {s['personnel_coverage']:.1%} · "
                f"{s['personnel_deployed']:,} personnel from "
                f"{s['nations_contributing']} nations · {s['gaps']} gaps · solver "
                f"{s['solver_status']} (gap {s['mip_gap']:.2%}) in {s['seconds']:.2f} s"
                + ("" if s["solver_status"] == "optimal" else f"; {html.escape(s['solver_proof'])}")
                + "</p>")

    def solver_figures(self) -> dict[str, Any]:
        """How the solver did, stage by stage."""
        return {"status": self.solver.status, "mip_gap": self.solver.mip_gap,
                "build_seconds": self.solver.build_seconds,
                "solve_seconds": self.solver.solve_seconds,
                "unmet_by_tier": self.solver.unmet_by_tier,
                "stages": [vars(s) for s in self.solver.stages]}

    @property
    def coalition_frame(self) -> pd.DataFrame:
        """The nations of the scenario with their tier and willingness."""
        return self.scenario.nations_frame[["name", "tier", "willingness"]]

    PARTS = (
        Field("summary", lambda r: r.summary()),
        Table("coalition", attr="coalition_frame", nation="nation", public=("nation",),
              public_rows=hosts),
        Table("coverage", title="Coverage"),
        Table("requirements"),
        Table("allocation", nation="nation", text=("formed_unit", "framework")),
        Table("gaps", text=("reason",), title="Gaps"),
        Table("leads", public=("lead",), text=("reason",), title="Leads"),
        Table("by_nation", nation="nation", title="By nation"),
        Table("by_component", public=("lead",)),
        Field("solver", lambda r: r.solver_figures()),
    )
