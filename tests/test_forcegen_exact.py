"""willing's optimal unmet demand agrees exactly with an independent formulation.

The reference below is written from scratch from the scenario's records (pledges, sized
requirements, states), not from `willing.forcegen`: its own compatibility test in plain
Python, its own lexicographic loop, modelled in PuLP and solved by CBC, a different solver
from HiGHS. Random scenarios come from the synthetic generator at small sizes, so they carry
every kind of caveat (regions, roles, states, conditions, readiness, rotation, substitutes),
with random access rules added to their regions (admitted nations, states, components,
roles, stay limits).
Formed units are checked on random battlegroups of whole battalions (some lending companies
out of their battalions) and companies: the reference counts sub-units in whole multiples of
the least common multiple of their sizes, where willing counts fractions of a unit.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import willing
from test_forcegen import land, nation, scenario
from willing import sizing
from willing.scenario import Scenario, from_spec
from willing.scenario.model import ScenarioSpec
from willing.synthetic import synthetic_spec

TIERS = ("essential", "important", "desirable")
# PuLP 3.3 announces its 4.0 API on every variable; the reference keeps the 3.x one.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def reference_unmet(sc: Scenario, state: str) -> dict[str, int]:
    """Optimal unmet units per priority tier, lexicographically, by PuLP + CBC."""
    holds = sc.holds(state)
    reqs = [r for r in sizing.derive(sc) if (not r.states or state in r.states) and r.count > 0]
    pledges = [p for p in sc.pledges
               if (not p.states or state in p.states) and set(p.conditions) <= holds]

    def barred(p: willing.scenario.PledgeRecord, r: sizing.Requirement) -> bool:
        for rule in sc.spec.regions[r.region].access:
            if (rule.states and state not in rule.states) or p.nation in rule.admits:
                continue
            if rule.components and sc.catalogue[p.capability].component not in rule.components:
                continue
            if (rule.capabilities and p.capability not in rule.capabilities) or (
                    rule.roles and r.role not in rule.roles):
                continue
            tour_days = p.max_tour_months * 365.25 / 12 if p.max_tour_months else float("inf")
            if rule.max_stay_days is None or (r.duration == "enduring"
                                              and tour_days > rule.max_stay_days):
                return True
        return False

    def is_a(cid: str, r: sizing.Requirement) -> bool:
        return cid == r.capability or r.capability in sc.catalogue[cid].substitutes

    def allowed(p: willing.scenario.PledgeRecord, r: sizing.Requirement) -> bool:
        return (r.region in p.regions and (not p.roles or r.role in p.roles)
                and p.readiness_days <= r.required_by_day and not barred(p, r))

    def fits(p: willing.scenario.PledgeRecord, r: sizing.Requirement) -> bool:
        return sc.catalogue[p.capability].parent is None and is_a(p.capability, r) and allowed(p, r)

    def joins(p: willing.scenario.PledgeRecord, r: sizing.Requirement) -> bool:
        parent = sc.catalogue[p.capability].parent
        return parent is not None and is_a(parent, r) and allowed(p, r)

    def lent_per(p: willing.scenario.PledgeRecord) -> int:
        """Sub-units a lending pledge's unit breaks into (0: it does not lend)."""
        kids = [c.per_parent or 1 for c in sc.catalogue.values() if c.parent == p.capability]
        return kids[0] if p.lend and kids else 0

    prob = pulp.LpProblem("reference", pulp.LpMaximize)
    x = {(i, j): pulp.LpVariable(f"x_{i}_{j}", 0, r.count, pulp.LpInteger)
         for i, p in enumerate(pledges) for j, r in enumerate(reqs) if fits(p, r)}
    s = {(i, j): pulp.LpVariable(f"s_{i}_{j}", 0, p.count, pulp.LpInteger)
         for i, p in enumerate(pledges) for j, r in enumerate(reqs) if joins(p, r)}
    # sub-units lent out of a lending pledge's units, into formed units of what it fits
    lent = {(i, j): pulp.LpVariable(f"l_{i}_{j}", 0, p.count * lent_per(p), pulp.LpInteger)
            for i, p in enumerate(pledges) for j, r in enumerate(reqs)
            if lent_per(p) and fits(p, r)}
    for i, p in enumerate(pledges):
        a = {j: p.rotation if reqs[j].duration == "enduring" else 1.0 for j in range(len(reqs))}
        use = [(v, a[j]) for (pi, j), v in (*x.items(), *s.items()) if pi == i]
        use += [(v, a[j] / lent_per(p)) for (pi, j), v in lent.items() if pi == i]
        if use:
            prob += pulp.LpAffineExpression(use) <= p.count
    subs = {(i, j, "own"): v for (i, j), v in s.items()}
    subs |= {(i, j, "lent"): v for (i, j), v in lent.items()}
    per = {key: (lent_per(pledges[key[0]]) if key[2] == "lent"
                 else sc.catalogue[pledges[key[0]].capability].per_parent or 1) for key in subs}
    formed = _formed_units(sc, prob, pledges, reqs, subs, per)
    filled = {j: pulp.lpSum(v for (_, jj), v in x.items() if jj == j) + formed[j]
              for j in range(len(reqs))}
    for j, r in enumerate(reqs):
        prob += filled[j] <= r.count
    out: dict[str, int] = {}
    for tier in TIERS:
        mine = [j for j, r in enumerate(reqs) if r.priority == tier]
        if not mine:
            continue
        total = pulp.lpSum(filled[j] for j in mine)
        prob.setObjective(total)
        prob.solve(pulp.PULP_CBC_CMD(msg=False))
        assert pulp.LpStatus[prob.status] == "Optimal"
        best = round(pulp.value(total) or 0)
        prob += total >= best
        out[tier] = sum(reqs[j].count for j in mine) - best
    return out


def with_access_rules(spec: dict[str, Any], seed: int) -> dict[str, Any]:
    """The synthetic spec with random access rules on about two regions in three."""
    rng = random.Random(seed)
    nations, states = sorted(spec["nations"]), sorted(spec["states"])
    for k, region in enumerate(spec["regions"].values()):
        if rng.random() < 1 / 3:
            continue
        region["access"] = [{
            "id": f"rule-{k}", "description": "a random rule",
            "states": rng.sample(states, rng.randint(0, len(states))),
            "components": rng.sample(["LAND", "AIR", "MARITIME", "REGENERATION"], rng.randint(0, 3)),
            "roles": rng.sample(spec["roles"], rng.randint(0, 1)),
            "admits": rng.sample(nations, rng.randint(0, len(nations) // 2)),
            "max_stay_days": rng.choice([None, 21, 400]),
        }]
    return spec


def _formed_units(sc: Scenario, prob: pulp.LpProblem, pledges: list[Any], reqs: list[Any],
                  s: dict[tuple[int, int, str], pulp.LpVariable],
                  per: dict[tuple[int, int, str], int]) -> dict[int, Any]:
    """Units formed on each requirement out of the sub-units `s` (pledged or lent, `per` of
    each to a unit), under the scenario's rules: sizes in sub-units of 1/l of a unit (l the
    least common multiple of the sub-units per parent), a framework nation per unit with its
    least share, at most K nations."""
    rules = sc.spec.defaults.formations
    lcm = math.lcm(*per.values()) if per else 1
    out: dict[int, Any] = {}
    for j in range(len(reqs)):
        mine = [(key, v) for key, v in s.items() if key[1] == j]
        members = sorted({pledges[key[0]].nation for key, _ in mine})
        if not members:
            out[j] = 0
            continue
        w = {n: pulp.LpVariable(f"w_{n}_{j}", 0, reqs[j].count, pulp.LpInteger) for n in members}
        b = {n: pulp.LpVariable(f"b_{n}_{j}", cat=pulp.LpBinary) for n in members}
        parts = {n: pulp.lpSum(v * (lcm // per[key]) for key, v in mine
                               if pledges[key[0]].nation == n)
                 for n in members}
        prob += pulp.lpSum(parts.values()) == lcm * pulp.lpSum(w.values())
        for n in members:
            prob += parts[n] >= rules.framework_share_min * lcm * w[n]
            prob += parts[n] <= lcm * reqs[j].count * b[n]
        prob += pulp.lpSum(b.values()) <= rules.max_nations * pulp.lpSum(w.values())
        out[j] = pulp.lpSum(w.values())
    return out


def willing_unmet(sc: Scenario, state: str) -> dict[str, int]:
    req = willing.plan(sc, state).requirements
    return {str(k): int(v) for k, v in req.groupby("priority")["unmet"].sum().items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nations=st.integers(3, 8), pledges=st.integers(1, 40), requirements=st.integers(12, 24),
       states=st.integers(1, 4), seed=st.integers(0, 2**32 - 1), pick=st.integers(0, 3))
def test_unmet_demand_per_tier_matches_an_independent_cbc_model(
        nations: int, pledges: int, requirements: int, states: int, seed: int, pick: int) -> None:
    spec = synthetic_spec(nations, pledges, requirements, states, seed)
    sc = from_spec(ScenarioSpec.model_validate(with_access_rules(spec, seed)))
    state = sc.states[pick % len(sc.states)]
    assert willing_unmet(sc, state) == reference_unmet(sc, state)


def test_packaged_scenario_matches_in_every_state() -> None:
    sc = willing.load_scenario()
    for state in sc.states:
        assert willing_unmet(sc, state) == reference_unmet(sc, state), state


SUB_UNITS = ("infantry-company", "armoured-company")  # 4 to a battalion; armour may stand in


@st.composite
def battlegroups(draw: st.DrawFn) -> Scenario:
    """One to three infantry-battalion requirements (north or south, enduring or surge, of
    each priority) and three to six nations pledging battalions (lending companies or not) and
    companies with random regions and rotations, under random formation rules."""
    region = st.sampled_from([["north"], ["south"], ["north", "south"]])
    reqs = [{"rule": "explicit", "id": f"r{k}", "capability": "infantry-battalion",
             "count": draw(st.integers(1, 3)), "region": draw(st.sampled_from(["north", "south"])),
             "role": "deterrence", "required_by_day": 30,
             "priority": draw(st.sampled_from(TIERS)),
             "duration": draw(st.sampled_from(["enduring", "surge"]))}
            for k in range(draw(st.integers(1, 3)))]
    nations: dict[str, Any] = {}
    for iso in ("LTU", "LVA", "EST", "FIN", "NOR", "DNK")[:draw(st.integers(3, 6))]:
        pledges = [{"capability": draw(st.sampled_from(SUB_UNITS)), "count": draw(st.integers(1, 6)),
                    "rotation": draw(st.sampled_from([1, 2, 3])), "readiness_days": 10,
                    "regions": draw(region)} for _ in range(draw(st.integers(1, 2)))]
        if draw(st.booleans()):
            pledges.append({"capability": "infantry-battalion", "count": draw(st.integers(1, 3)),
                            "rotation": draw(st.sampled_from([1, 3])), "readiness_days": 10,
                            "regions": draw(region), "lend": draw(st.booleans())})
        nations[iso] = nation(*pledges)
    rules = {"framework_share_min": draw(st.sampled_from([0.25, 0.5, 0.75, 1.0])),
             "max_nations": draw(st.integers(1, 4))}
    return scenario(mission_lines=land(*reqs), nations=nations, defaults={"formations": rules})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=battlegroups())
def test_formed_units_match_an_independent_cbc_model(sc: Scenario) -> None:
    assert willing_unmet(sc, "calm") == reference_unmet(sc, "calm")
