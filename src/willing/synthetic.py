"""Synthetic scenarios of any size, for benchmarks and stress tests.

The generator builds a `ScenarioSpec` in code (no YAML round trip) with the structure of the
packaged `ukraine-2025` scenario: a few HQ-capable lead nations, many members, a US backstop
that brings enablers, a host; pledges of catalogue capabilities with the caveats that make
real coalitions hard to assemble (regions, roles, states, conditions, readiness, rotation);
requirements on all four mission lines from every sizing rule. Everything is drawn from one
seeded `numpy.random.Generator`, so a size and a seed name one scenario exactly.

All figures here are `assumption`: they are shaped like the packaged data, not sourced.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pycountry

from willing.scenario import Scenario, from_spec, packaged
from willing.scenario.model import MISSION_LINES, ScenarioSpec

SIZES: dict[str, dict[str, int]] = {
    "small": {"nations": 15, "pledges": 300, "requirements": 40, "states": 2},
    "medium": {"nations": 30, "pledges": 1500, "requirements": 150, "states": 3},
    "large": {"nations": 60, "pledges": 5000, "requirements": 500, "states": 4},
}
"""Three named sizes for benchmarks; `large` is the target instance of issue 2."""

LINE_OF: dict[str, str] = {"LAND": "land", "AIR": "air", "MARITIME": "maritime",
                           "REGENERATION": "regeneration"}

REGIONS: dict[str, tuple[str, bool]] = {
    "ua-west": ("Western Ukraine", True),
    "ua-kyiv": ("Kyiv and central Ukraine", True),
    "ua-south": ("Southern Ukraine and Odesa", True),
    "ua-north": ("Northern Ukraine", True),
    "black-sea": ("Black Sea routes", False),
    "nato-east": ("NATO eastern flank", False),
    "nato-north": ("NATO northern flank", False),
}

REGIONS_OF: dict[str, tuple[str, ...]] = {
    "LAND": ("ua-west", "ua-kyiv", "ua-south", "ua-north", "nato-east"),
    "AIR": ("nato-east", "nato-north", "ua-kyiv", "ua-west", "ua-south"),
    "MARITIME": ("black-sea", "ua-south"),
    "REGENERATION": ("nato-east", "nato-north", "ua-west"),
}
"""Where each component's units may plausibly serve (assumption, after the packaged scenario)."""

ROLE_OF: dict[str, str] = {
    "force-hq": "command", "brigade-hq": "command", "maritime-hq": "command",
    "infantry-battalion": "deterrence", "armoured-battalion": "deterrence",
    "artillery-battalion": "deterrence", "engineer-battalion": "engineering",
    "logistics-battalion": "logistics", "medical-role2": "medical",
    "military-police-company": "policing", "isr-drone-company": "isr",
    "monitoring-team": "monitoring", "fighter-squadron": "air-policing",
    "air-defence-battery": "air-defence", "shorad-battery": "air-defence",
    "aar-tanker": "air-refuelling", "isr-aircraft": "isr", "strategic-airlift": "airlift",
    "satellite-isr": "isr", "frigate": "escort", "patrol-vessel": "escort",
    "mcm-vessel": "mine-countermeasures", "maritime-patrol-aircraft": "maritime-patrol",
    "eod-diving-team": "mine-countermeasures", "training-team": "training",
    "maintenance-team": "maintenance", "infrastructure-engineer-team": "infrastructure",
}
"""The role each catalogue capability usually fills; unknown capabilities fall back to `support`."""

STATES: dict[str, list[str]] = {
    "ceasefire": ["ceasefire", "us-backstop", "parliament", "mandate"],
    "pre-ceasefire": ["us-backstop", "parliament", "mandate"],
    "violation": ["us-backstop", "parliament"],
    "no-backstop": ["ceasefire", "parliament", "mandate"],
}
"""The packaged scenario's contingency states; further states draw their conditions at random."""

CONDITIONS = ("us-backstop", "ceasefire", "adversary-consent", "mandate", "parliament")
BACKSTOP_CAPS = ("aar-tanker", "isr-aircraft", "satellite-isr", "strategic-airlift",
                 "air-defence-battery")


def synthetic_scenario(nations: int = 60, pledges: int = 5000, requirements: int = 500,
                       states: int = 4, seed: int = 0) -> Scenario:
    """A random but realistic scenario with exactly these counts of nations, pledges,
    requirement lines (after sizing) and contingency states."""
    if nations < 3 or pledges < 1 or requirements < 12 or states < 1:
        raise ValueError("a synthetic scenario needs ≥ 3 nations, ≥ 1 pledge, ≥ 12 requirements "
                         "and ≥ 1 state")
    spec = synthetic_spec(nations, pledges, requirements, states, seed)
    name = f"synthetic-{nations}x{pledges}x{requirements}x{states}-s{seed}"
    return from_spec(ScenarioSpec.model_validate(spec), f"<{name}>")


def synthetic_spec(nations: int, pledges: int, requirements: int, states: int,
                   seed: int) -> dict[str, Any]:
    """The scenario as a plain dict in the YAML file's shape (what `synthetic_scenario` validates)."""
    rng = np.random.default_rng(seed)
    catalogue = packaged.capabilities()
    caps = sorted(c for c, cap in catalogue.items() if cap.parent is None)  # whole units only
    roles = sorted({ROLE_OF.get(c, "support") for c in caps})
    state_ids = _states(states, rng)
    nation_ids = _nations(nations)
    spec: dict[str, Any] = {
        "name": f"synthetic-s{seed}",
        "title": f"Synthetic scenario: {nations} nations, {pledges} pledges, "
                 f"{requirements} requirements, {states} states",
        "default_state": "ceasefire",
        "regions": {r: {"name": n, "in_ukraine": u} for r, (n, u) in REGIONS.items()},
        "roles": roles,
        "states": {s: {"holds": h} for s, h in state_ids.items()},
        "events": [{"id": f"to-{s}", "from": "ceasefire", "to": s}
                   for s in list(state_ids)[1:]],
        "mission_lines": _mission_lines(requirements, caps, catalogue, list(state_ids), rng),
        "nations": _nation_specs(nation_ids, pledges, caps, catalogue, list(state_ids), rng),
    }
    return spec


def _states(n: int, rng: np.random.Generator) -> dict[str, list[str]]:
    out = dict(list(STATES.items())[:n])
    for k in range(len(out), n):
        drawn = [c for c in CONDITIONS if rng.random() < 0.6]
        out[f"state-{k + 1}"] = drawn
    return out


def _nations(n: int) -> list[str]:
    """USA (backstop) and UKR (host) first, then packaged nations by GDP, then other countries."""
    table = packaged.nations()
    known = sorted((iso for iso in table if iso not in ("USA", "UKR")),
                   key=lambda iso: -(table[iso].gdp_usd_bn or 0.0))
    others = sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 not in table)
    return (["USA", "UKR", *known, *others])[:n]


def _nation_specs(isos: list[str], n_pledges: int, caps: list[str],
                  catalogue: dict[str, packaged.Capability], states: list[str],
                  rng: np.random.Generator) -> dict[str, Any]:
    table = packaged.nations()
    contributors = [iso for iso in isos if iso != "UKR"]
    # leads: the four largest economies after the backstop (assumption, after GBR/FRA co-lead)
    leads = set([iso for iso in contributors if iso != "USA"][:4])
    # larger nations pledge more: weight ∝ (rank + 1)^-0.8 (assumption)
    weight = np.array([(k + 1) ** -0.8 for k in range(len(contributors))])
    owner = rng.choice(len(contributors), size=n_pledges, p=weight / weight.sum())
    counts = np.bincount(owner, minlength=len(contributors))
    out: dict[str, Any] = {}
    for iso in isos:
        tier = ("backstop" if iso == "USA" else "host" if iso == "UKR"
                else "lead" if iso in leads else "member")
        nation: dict[str, Any] = {
            "tier": tier,
            "willingness": round(float(rng.uniform(0.3, 0.95)), 2),
            "hq_capable": tier == "lead" or (tier == "member" and bool(rng.random() < 0.2)),
            "will_lead": tier == "lead" or bool(rng.random() < 0.8),
            "conditions": [c for c, p in (("us-backstop", 0.3), ("parliament", 0.2))
                           if tier == "member" and rng.random() < p],
            "assumption": "synthetic nation",
        }
        if iso not in table:
            pop = float(rng.lognormal(np.log(8e6), 1.0))
            gdp = pop * float(rng.uniform(5e-6, 6e-5))  # US$ bn: 5,000–60,000 per head
            nation.update(population=int(pop), gdp_usd_bn=round(gdp, 1),
                          milex_usd_bn=round(gdp * float(rng.uniform(0.01, 0.03)), 2),
                          active_personnel=int(pop * float(rng.uniform(0.001, 0.006))))
        if tier != "host":
            k = counts[contributors.index(iso)]
            allowed = list(BACKSTOP_CAPS) if tier == "backstop" else caps
            nation["pledges"] = [_pledge(allowed, catalogue, states, rng) for _ in range(k)]
        out[iso] = nation
    return out


def _pledge(caps: list[str], catalogue: dict[str, packaged.Capability], states: list[str],
            rng: np.random.Generator) -> dict[str, Any]:
    cap = caps[int(rng.integers(len(caps)))]
    comp = catalogue[cap].component
    where = REGIONS_OF[comp]
    k = int(rng.integers(1, len(where) + 1))
    pledge: dict[str, Any] = {
        "capability": cap,
        "count": int(rng.integers(1, 9)),
        "readiness_days": int(rng.choice([7, 14, 30, 45, 60, 90, 120])),
        "regions": sorted(rng.choice(where, size=k, replace=False).tolist()),
    }
    if rng.random() < 0.3:
        pledge["rotation"] = float(rng.choice([1.0, 2.0, 4.0]))
    if rng.random() < 0.15:  # a role caveat: only the capability's usual role, or command
        pledge["roles"] = sorted({ROLE_OF.get(cap, "support"), "command"})
    if rng.random() < 0.2 and len(states) > 1:
        pledge["states"] = sorted(rng.choice(states, size=int(rng.integers(1, len(states))),
                                             replace=False).tolist())
    if rng.random() < 0.25:
        pledge["conditions"] = [str(rng.choice(CONDITIONS))]
    return pledge


def _mission_lines(n_req: int, caps: list[str], catalogue: dict[str, packaged.Capability],
                   states: list[str], rng: np.random.Generator) -> dict[str, Any]:
    """Sizing rules that derive exactly `n_req` requirement lines: one of each formula rule
    (headline → 6 lines, CAP → 1, MCM → 2, training → 1, population → 1), the rest explicit."""
    lines: dict[str, Any] = {
        line: {"component": comp, "lead_share_min": round(float(rng.uniform(0.15, 0.3)), 2),
               "requirements": []}
        for comp, line in LINE_OF.items()
    }
    lines = {k: lines[k] for k in MISSION_LINES}
    common = {"required_by_day": 60, "assumption": "synthetic"}
    lines["land"]["requirements"] += [
        {"rule": "headline", "id": "land-force", "personnel": 12000, "role": "deterrence",
         "region_split": {"ua-kyiv": 0.4, "ua-west": 0.3, "ua-south": 0.3},
         "template": [{"capability": "infantry-battalion", "share": 0.5},
                      {"capability": "logistics-battalion", "share": 0.15, "role": "logistics",
                       "priority": "important"}], **common},
        {"rule": "population", "id": "stabilisation", "capability": "military-police-company",
         "region": "ua-north", "population": 300000, "ratio": 2.0, "role": "policing",
         "priority": "desirable", **common},
    ]
    lines["air"]["requirements"].append(
        {"rule": "cap", "id": "air-cap", "region": "ua-kyiv", "role": "air-policing",
         "stations": 1, "endurance_h": 3.5, "transit_h": 0.75, "sortie_rate": 1.5,
         "mission_capable": 0.7, **common})
    lines["maritime"]["requirements"].append(
        {"rule": "mcm", "id": "sea-mcm", "region": "black-sea", "role": "mine-countermeasures",
         "area_km2": 600, "clearance_km2_per_vessel_day": 1.0, "days": 120, "convoys": 1,
         "escorts_per_convoy": 2, **common})
    lines["regeneration"]["requirements"].append(
        {"rule": "training", "id": "training", "region": "nato-east", "role": "training",
         "trainees_per_year": 10000, "trainees_per_team_cycle": 60, "cycles_per_year": 8,
         **common})
    priorities = ["essential", "important", "desirable"]
    for k in range(n_req - 11):
        cap = caps[int(rng.integers(len(caps)))]
        comp = catalogue[cap].component
        rule: dict[str, Any] = {
            "rule": "explicit", "id": f"req-{k + 1}", "capability": cap,
            "count": int(rng.integers(1, 5)),
            "region": str(rng.choice(REGIONS_OF[comp])),
            "role": ROLE_OF.get(cap, "support"),
            "priority": priorities[int(rng.choice(3, p=[0.5, 0.3, 0.2]))],
            "required_by_day": int(rng.choice([14, 30, 60, 90, 180])),
            "duration": "surge" if rng.random() < 0.2 else "enduring",
            "assumption": "synthetic",
        }
        if rng.random() < 0.4 and len(states) > 1:
            rule["states"] = sorted(rng.choice(states, size=int(rng.integers(1, len(states))),
                                               replace=False).tolist())
        lines[LINE_OF[comp]]["requirements"].append(rule)
    return lines


__all__ = ["SIZES", "synthetic_scenario", "synthetic_spec"]


def synthetic_fielded(scenario: Scenario, seed: int = 0, spare: float = 1.0) -> pd.DataFrame:
    """What each nation of a (synthetic) scenario fields, in the shape of the packaged forces
    table: its pledged units of each capability plus a random spare (up to `spare` times as
    many, and up to 3 more), and a few units of two capabilities it does not pledge."""
    rng = np.random.default_rng(seed)
    pledged: dict[tuple[str, str], int] = {}
    for p in scenario.pledges:
        pledged[p.nation, p.capability] = pledged.get((p.nation, p.capability), 0) + p.count
    caps = sorted(scenario.catalogue)
    rows = [(n, c, u + int(rng.integers(0, int(np.ceil(spare * u)) + 4)))
            for (n, c), u in sorted(pledged.items())]
    for n in sorted({n for n, _ in pledged}):
        for c in rng.choice(caps, size=2, replace=False):
            if (n, str(c)) not in pledged:
                rows.append((n, str(c), int(rng.integers(1, 10))))
    return pd.DataFrame([(n, c, u, "synthetic", "random: not a sourced figure")
                         for n, c, u in rows],
                        columns=["nation", "capability", "units", "source", "notes"])
