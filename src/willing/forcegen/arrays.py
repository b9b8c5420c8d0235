"""Pledges and requirements as NumPy arrays, and their compatibility (docs/forcegen.md).

A pledge p may serve requirement j when its capability is j's or an allowed substitute, its
regions and roles admit j's, no access rule of j's region in force in the state bars it, it
is ready by j's required-by day, and it exists in the state (the state is among its states
and all its conditions hold there). Everything is computed over whole arrays: the
robustness kernel reuses the same masks, so access rules stay within its transport problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from willing.scenario.model import PRIORITY_ORDER, AccessRule, Duration
from willing.scenario.scenario import Scenario
from willing.sizing import Requirement

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DAYS_PER_MONTH = 365.25 / 12
"""A pledge's tour (`max_tour_months`) in days, to compare with an access rule's stay limit."""


@dataclass(frozen=True)
class PledgeArrays:
    """Every pledge of a scenario, index-aligned with `scenario.pledges`."""

    nation: IntArray  # index into `nations`
    capability: IntArray  # index into `capabilities`
    count: IntArray
    rotation: FloatArray
    readiness: IntArray
    personnel: FloatArray  # per unit
    cost: FloatArray  # US$ m per unit-year (0 when the catalogue has no figure)
    regions: BoolArray  # P × R
    roles: BoolArray  # P × roles, all True when the pledge names no role
    nations: tuple[str, ...]
    capabilities: tuple[str, ...]
    fraction: FloatArray  # of its parent unit: 1/k for a sub-unit (k per parent), else 1
    lends: BoolArray  # the pledge lends its units' sub-units to formed units (`Pledge.lend`)
    lent_fraction: FloatArray  # a lent sub-unit's share of the pledge's unit (1/k; 1 if none)
    lent_personnel: FloatArray  # per lent sub-unit
    lent_cost: FloatArray  # US$ m per lent sub-unit-year

    def __len__(self) -> int:
        return len(self.count)


@dataclass(frozen=True)
class RequirementArrays:
    capability: IntArray
    region: IntArray
    role: IntArray
    demand: IntArray
    required_by: IntArray
    enduring: BoolArray
    priority: IntArray  # 0 essential, 1 important, 2 desirable
    component: IntArray  # index into `components`
    components: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.demand)


def pledge_arrays(scenario: Scenario) -> PledgeArrays:
    nations = tuple(scenario.spec.nations)
    caps = tuple(scenario.catalogue)
    regions = {r: i for i, r in enumerate(scenario.spec.regions)}
    roles = {r: i for i, r in enumerate(scenario.spec.roles)}
    n_idx = {n: i for i, n in enumerate(nations)}
    c_idx = {c: i for i, c in enumerate(caps)}
    ps = scenario.pledges
    region_m = np.zeros((len(ps), len(regions)), dtype=bool)
    role_m = np.zeros((len(ps), len(roles)), dtype=bool)
    for i, p in enumerate(ps):
        region_m[i, [regions[r] for r in p.regions]] = True
        if p.roles:
            role_m[i, [roles[r] for r in p.roles]] = True
        else:
            role_m[i, :] = True
    cat = scenario.catalogue
    lent = [lent_capability(scenario, p.capability) if p.lend else None for p in ps]
    return PledgeArrays(
        nation=np.array([n_idx[p.nation] for p in ps], dtype=np.int64),
        capability=np.array([c_idx[p.capability] for p in ps], dtype=np.int64),
        count=np.array([p.count for p in ps], dtype=np.int64),
        rotation=np.array([p.rotation for p in ps], dtype=float),
        readiness=np.array([p.readiness_days for p in ps], dtype=np.int64),
        personnel=np.array([cat[p.capability].personnel_per_unit for p in ps], dtype=float),
        cost=np.array([cat[p.capability].cost_musd_per_unit_year or 0.0 for p in ps], dtype=float),
        regions=region_m, roles=role_m, nations=nations, capabilities=caps,
        fraction=np.array([1.0 / (cat[p.capability].per_parent or 1) for p in ps], dtype=float),
        lends=np.array([c is not None for c in lent], dtype=bool),
        lent_fraction=np.array([1.0 / (cat[c].per_parent or 1) if c else 1.0 for c in lent],
                               dtype=float),
        lent_personnel=np.array([cat[c].personnel_per_unit if c else 0.0 for c in lent],
                                dtype=float),
        lent_cost=np.array([cat[c].cost_musd_per_unit_year or 0.0 if c else 0.0 for c in lent],
                           dtype=float),
    )


def lent_capability(scenario: Scenario, capability: str) -> str | None:
    """The sub-unit a unit of `capability` is broken into when lent (the first catalogue entry
    whose parent it is), or None."""
    return next((c for c, cap in scenario.catalogue.items() if cap.parent == capability), None)


def requirement_arrays(scenario: Scenario, reqs: list[Requirement]) -> RequirementArrays:
    caps = {c: i for i, c in enumerate(scenario.catalogue)}
    regions = {r: i for i, r in enumerate(scenario.spec.regions)}
    roles = {r: i for i, r in enumerate(scenario.spec.roles)}
    components = tuple(dict.fromkeys(line.component for line in scenario.spec.mission_lines.values()))
    comp = {c: i for i, c in enumerate(components)}
    prio = {p: i for i, p in enumerate(PRIORITY_ORDER)}
    return RequirementArrays(
        capability=np.array([caps[r.capability] for r in reqs], dtype=np.int64),
        region=np.array([regions[r.region] for r in reqs], dtype=np.int64),
        role=np.array([roles[r.role] for r in reqs], dtype=np.int64),
        demand=np.array([r.count for r in reqs], dtype=np.int64),
        required_by=np.array([r.required_by_day for r in reqs], dtype=np.int64),
        enduring=np.array([r.duration == Duration.ENDURING for r in reqs], dtype=bool),
        priority=np.array([prio[r.priority] for r in reqs], dtype=np.int64),
        component=np.array([comp[r.component] for r in reqs], dtype=np.int64),
        components=components,
    )


def substitution_matrix(scenario: Scenario) -> BoolArray:
    """S[a, b]: a unit of capability a may fill a requirement for capability b."""
    caps = list(scenario.catalogue)
    idx = {c: i for i, c in enumerate(caps)}
    s = np.eye(len(caps), dtype=bool)
    for c, cap in scenario.catalogue.items():
        for sub in cap.substitutes:
            if sub in idx:
                s[idx[c], idx[sub]] = True
    return s


def subunit_capability(scenario: Scenario, pa: PledgeArrays,
                       ra: RequirementArrays) -> BoolArray:
    """P × J: a sub-unit pledge may join a formed unit filling requirement j when its parent
    capability (or one the parent may stand in for) is j's."""
    idx = {c: i for i, c in enumerate(scenario.catalogue)}
    parent = np.array([idx.get(scenario.catalogue[c].parent or "", -1) for c in pa.capabilities],
                      dtype=np.int64)[pa.capability]
    out = np.zeros((len(pa), len(ra)), dtype=bool)
    has = parent >= 0
    out[has] = substitution_matrix(scenario)[parent[has]][:, ra.capability]
    return out


def valid_in_state(scenario: Scenario, state: str) -> BoolArray:
    """Pledges that exist in a state: the state is theirs and all their conditions hold."""
    holds = scenario.holds(state)
    return np.array([(not p.states or state in p.states) and set(p.conditions) <= holds
                     for p in scenario.pledges], dtype=bool)


@dataclass(frozen=True)
class Barred:
    """The (pledge, requirement) pairs one access rule of a region bars in a state."""

    region: str
    rule: AccessRule
    pairs: BoolArray  # P × J


def access_barred(scenario: Scenario, pa: PledgeArrays, ra: RequirementArrays,
                  state: str) -> list[Barred]:
    """Every access rule in force in `state`, with the pairs it bars (docs/scenario.md).

    A rule covers the units of the nations it does not admit, of its components, capabilities
    and roles, on requirements in its region. With `max_stay_days` a covered unit is barred
    only from enduring requirements, and only when its tour is longer than the stay allowed.
    """
    nation_of = np.array(pa.nations, dtype=object)[pa.nation]
    cap_of = np.array(pa.capabilities, dtype=object)[pa.capability]
    comp_of = np.array([scenario.catalogue[c].component for c in pa.capabilities],
                       dtype=object)[pa.capability]
    tour = np.array([p.max_tour_months * DAYS_PER_MONTH if p.max_tour_months else np.inf
                     for p in scenario.pledges], dtype=float)
    roles = {r: i for i, r in enumerate(scenario.spec.roles)}
    out: list[Barred] = []
    for g, (rid, region) in enumerate(scenario.spec.regions.items()):
        for rule in region.access:
            if rule.states and state not in rule.states:
                continue
            p_in = ~np.isin(nation_of, rule.admits)
            if rule.components:
                p_in &= np.isin(comp_of, rule.components)
            if rule.capabilities:
                p_in &= np.isin(cap_of, rule.capabilities)
            j_in = ra.region == g
            if rule.roles:
                j_in &= np.isin(ra.role, [roles[r] for r in rule.roles])
            pairs = p_in[:, None] & j_in[None, :]
            if rule.max_stay_days is not None:
                pairs &= ra.enduring[None, :] & (tour[:, None] > rule.max_stay_days)
            out.append(Barred(rid, rule, pairs))
    return out


@dataclass(frozen=True)
class Masks:
    """Each compatibility test separately (P × J), so gaps can name the one that failed."""

    capability: BoolArray
    region: BoolArray
    role: BoolArray
    ready: BoolArray
    barred: tuple[Barred, ...]  # the access rules in force in the masks' state

    @property
    def access(self) -> BoolArray:
        """No access rule of the requirement's region bars the pair."""
        ok = np.ones_like(self.capability)
        for b in self.barred:
            ok &= ~b.pairs
        return ok

    @property
    def all(self) -> BoolArray:
        return self.capability & self.region & self.role & self.ready & self.access


def masks(scenario: Scenario, pa: PledgeArrays, ra: RequirementArrays, state: str) -> Masks:
    """The compatibility tests of `state` (only the access rules depend on the state)."""
    sub = substitution_matrix(scenario)
    return Masks(
        capability=sub[pa.capability][:, ra.capability],
        region=pa.regions[:, ra.region],
        role=pa.roles[:, ra.role],
        ready=pa.readiness[:, None] <= ra.required_by[None, :],
        barred=tuple(access_barred(scenario, pa, ra, state)),
    )
