"""Candidate asks: what each nation could still send, within what it fields, its deployment
ceiling and its stated red lines.

A nation's red lines are read from its own pledges, so that an ask never goes where the
nation has not offered to go: an ask of capability c inherits the envelope of the nation's
pledges of c (regions, roles, states, conditions, readiness, rotation), or, when it pledged
none of c, that of its pledges in c's component, or else of all its pledges. Its own
conditions (the US backstop, a mandate) apply to every ask, as to every pledge. A nation
that pledged nothing has stated no envelope, and is not asked.

Sub-units: a nation with spare units of a capability that has sub-units in the catalogue
(`parent`, `per_parent`: an infantry battalion's four companies) may also be asked for those
sub-units, which join formed units under force generation's formation rules
(docs/forcegen.md, "Formed units"). Both candidates draw on the same spare units: a sub-unit
uses 1/per_parent of a parent's pool (`Candidates.shared`, held by the asks model's
`ask_pool` rows), so a small nation can be asked for a company out of a battalion it keeps at
home.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from willing.scenario.scenario import PledgeRecord, Scenario

ASKED_TIERS = {"lead", "member"}
"""Tiers that are asked: the backstop's role and the host's are not a coalition member's."""

POLITICAL_WEIGHT = 0.5
"""w in the political cost w·cost_c·(max(0, r_n − 1) + (1 − willingness_n)) per unit-year."""

SUBUNIT_PREMIUM = 0.1
"""An assumption: a sub-unit asked into a multinational formed unit carries, as political
cost, 10 % of its catalogue cost on top, for the integration a formed unit needs (the eFP
battlegroups train together before they deploy). Without it a nation's four companies would
cost exactly its battalion, and the asks could split a battalion a nation frames alone."""

ASK_TAG = "-ask-"
"""Marks a candidate's pledge id (`FRA-ask-infantry-battalion`)."""

Ceiling = Callable[[str], float]


@dataclass(frozen=True)
class Candidates:
    """The candidate pledges (one per nation and capability with units to spare) and what
    each costs and may take."""

    pledges: list[PledgeRecord]
    unit_cost: np.ndarray  # US$ m per deployed unit-year (catalogue)
    political: np.ndarray  # US$ m-equivalent per deployed unit-year
    room: dict[str, float]  # personnel each nation may still deploy (ceiling less plan)
    ceiling_share: dict[str, float]
    fielded: dict[tuple[str, str], int]
    pledged: dict[tuple[str, str], int]
    shared: list[tuple[int, int, int]]  # (parent candidate, sub-unit candidate, per_parent)

    def whole_units(self, scenario: Scenario) -> Candidates:
        """The candidates without the sub-units (of a spare parent, or fielded in their own
        right): what the stress kernel, which counts whole units only, can measure."""
        cat = scenario.catalogue
        keep = [k for k, p in enumerate(self.pledges) if not cat[p.capability].parent]
        return replace(self, pledges=[self.pledges[k] for k in keep],
                       unit_cost=self.unit_cost[keep], political=self.political[keep],
                       shared=[])


def packaged_fielded() -> pd.DataFrame:
    """The packaged table of what each nation fields (imported here: an optional table)."""
    from willing.scenario.forces import fielded  # type: ignore[import-not-found,unused-ignore]

    return fielded()


def packaged_ceiling(nation: str) -> float:
    """The packaged share of active personnel `nation` can keep deployed."""
    from willing.scenario.forces import (  # type: ignore[import-not-found,unused-ignore]
        deployment_ceiling,
    )

    return float(deployment_ceiling(nation))


def check_fielded(fielded: pd.DataFrame) -> pd.DataFrame:
    """The fielded table's rows, refused with the column and row at fault."""
    missing = {"nation", "capability", "units"} - set(fielded.columns)
    if missing:
        raise ValueError(f"fielded table: missing column(s) {', '.join(sorted(missing))}; "
                         "needs nation, capability, units")
    units = pd.to_numeric(fielded["units"], errors="coerce")
    bad = units.isna() | (units < 0)
    if bad.any():
        i = int(np.nonzero(bad.to_numpy())[0][0])
        raise ValueError(f"fielded table, row {i + 1} ({fielded['nation'].iloc[i]}, "
                         f"{fielded['capability'].iloc[i]}): units must be a number ≥ 0, "
                         f"got {fielded['units'].iloc[i]!r}")
    return fielded.assign(units=units.astype(int))


def candidates(scenario: Scenario, fielded: pd.DataFrame, ceiling: Ceiling,
               deployed: dict[str, float], ratio: dict[str, float]) -> Candidates:
    """Every nation's spare units as one candidate pledge per capability.

    `deployed[n]` is the personnel the nation already has deployed in the plan and `ratio[n]`
    its contribution against its fair share there (NaN or absent: none).
    """
    fielded = check_fielded(fielded)
    spec, cat = scenario.spec, scenario.catalogue
    pledged: dict[tuple[str, str], int] = {}
    by_nation: dict[str, list[PledgeRecord]] = {}
    for p in scenario.pledges:
        pledged[p.nation, p.capability] = pledged.get((p.nation, p.capability), 0) + p.count
        by_nation.setdefault(p.nation, []).append(p)
    sums = fielded.groupby(["nation", "capability"])["units"].sum()
    have = {(str(k[0]), str(k[1])): int(u)  # type: ignore[index]
            for k, u in sums.items()}
    out: list[PledgeRecord] = []
    shared: list[tuple[int, int, int]] = []
    subs: dict[str, list[str]] = {}
    for c, entry in cat.items():
        if entry.parent:
            subs.setdefault(entry.parent, []).append(c)
    unit_cost, political = [], []
    room: dict[str, float] = {}
    shares: dict[str, float] = {}
    for (iso, cap), units in have.items():
        if iso not in spec.nations or cap not in cat or str(spec.nations[iso].tier) not in ASKED_TIERS:
            continue
        own = by_nation.get(iso, [])
        as_subs = sum(pledged.get((iso, s), 0) / int(cat[s].per_parent or 1)
                      for s in subs.get(cap, []))  # pledged sub-units come out of the parents
        spare = int(units) - pledged.get((iso, cap), 0) - math.ceil(as_subs - 1e-9)
        if not own or spare <= 0:
            continue
        if iso not in room:
            shares[iso] = float(ceiling(iso))
            active = float(scenario.figures[iso].active_personnel or 0)
            room[iso] = max(shares[iso] * active - deployed.get(iso, 0.0), 0.0)
        rule = f"fielded {int(units)} less pledged {int(units) - spare}"
        asked = [(cap, spare, rule)]
        for s in subs.get(cap, []):
            k = int(cat[s].per_parent or 1)
            if (iso, s) not in have:  # a sub-unit fielded in its own right has its own pool
                shared.append((len(out), len(out) + len(asked), k))
                asked.append((s, spare * k, f"{k} per spare {cap}; {rule}"))
        for c, count, note in asked:
            out.append(_candidate(scenario, iso, c, count, _envelope(scenario, own, c), note))
            cost = float(cat[c].cost_musd_per_unit_year or 0.0)
            r = ratio.get(iso, float("nan"))
            unit_cost.append(cost)
            political.append(POLITICAL_WEIGHT * cost * (max(0.0, r - 1.0) if r == r else 0.0)
                             + POLITICAL_WEIGHT * cost * (1.0 - spec.nations[iso].willingness)
                             + (SUBUNIT_PREMIUM * cost if c != cap else 0.0))
    return Candidates(out, np.array(unit_cost), np.array(political), room, shares, have,
                      pledged, shared)


def _candidate(scenario: Scenario, iso: str, cap: str, count: int, env: list[PledgeRecord],
               rule: str) -> PledgeRecord:
    """The candidate pledge of `count` spare units of `cap`, within the envelope `env`."""
    d = scenario.spec.defaults
    return PledgeRecord(
        id=f"{iso}{ASK_TAG}{cap}", nation=iso, capability=cap, count=count,
        rotation=max((p.rotation for p in env), default=d.rotation),
        max_tour_months=d.max_tour_months,
        readiness_days=min(p.readiness_days for p in env),
        regions=tuple(sorted({r for p in env for r in p.regions})),
        roles=() if any(not p.roles for p in env) else tuple(sorted(
            {r for p in env for r in p.roles})),
        states=() if any(not p.states for p in env) else tuple(sorted(
            {s for p in env for s in p.states})),
        conditions=tuple(sorted(set.intersection(*(set(p.conditions) for p in env)))),
        source=None, assumption="ask (willing asks), not a national pledge", count_rule=rule)


def _envelope(scenario: Scenario, own: list[PledgeRecord], cap: str) -> list[PledgeRecord]:
    """The nation's pledges whose caveats an ask of `cap` inherits: same capability, else same
    component, else all (a red line stated on every pledge holds for every ask)."""
    same = [p for p in own if p.capability == cap]
    if same:
        return same
    comp = scenario.catalogue[cap].component
    return [p for p in own if scenario.catalogue[p.capability].component == comp] or own
