"""Asks as pledges: grouped by nation, capability and region into pledges marked as asks,
either added to a resolved scenario (for evaluation) or written into a copy of its YAML."""

from __future__ import annotations

import io
import math
from dataclasses import replace

import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from willing.scenario import Scenario, parse_scenario
from willing.scenario.scenario import PledgeRecord

ASK_ID = "{nation}-ask-{n}"


def ask_pledges(scenario: Scenario, asks: pd.DataFrame, candidates: dict[str, PledgeRecord],
                note: str) -> list[PledgeRecord]:
    """One pledge per (nation, capability, region) of `asks`, with its candidate's caveats.

    Its pool is what the asked units use (rotation × units for enduring requirements), rounded
    up: force generation can then put every asked unit where the asks put it.
    """
    out: list[PledgeRecord] = []
    if asks.empty:
        return out
    for (nation, cand, region), g in asks.groupby(["nation", "candidate", "region"], sort=True):
        base = candidates[str(cand)]
        k = sum(1 for p in out if p.nation == nation) + 1
        out.append(replace(base, id=ASK_ID.format(nation=str(nation).lower(), n=k),
                           count=math.ceil(float(g["pool_units"].sum()) - 1e-9),
                           regions=(str(region),), source=f"ask: {note}",
                           count_rule="asked units × rotation"))
    return out


def with_pledges(scenario: Scenario, pledges: list[PledgeRecord]) -> Scenario:
    """The scenario with `pledges` added (for evaluation; the text is unchanged)."""
    return replace(scenario, pledges=[*scenario.pledges, *pledges])


def applied_text(scenario: Scenario, pledges: list[PledgeRecord]) -> str:
    """The scenario's text with `pledges` added to their nations, validated before returned."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    doc = yaml.load(scenario.text)
    if not isinstance(doc, dict):
        raise ValueError(f"{scenario.file}: cannot edit this scenario as YAML")
    for p in pledges:
        nation = doc["nations"][p.nation]
        own = set(map(str, scenario.spec.nations[p.nation].conditions))
        entry = CommentedMap(id=p.id, capability=p.capability, count=p.count,
                             rotation=p.rotation, readiness_days=p.readiness_days,
                             regions=list(p.regions))
        if p.roles:
            entry["roles"] = list(p.roles)
        if p.states:
            entry["states"] = list(p.states)
        conditions = [c for c in p.conditions if c not in own]
        if conditions:
            entry["conditions"] = conditions
        entry["source"] = p.source
        entry["assumption"] = p.assumption
        if "pledges" not in nation or nation["pledges"] is None:
            nation["pledges"] = []
        nation["pledges"].append(entry)
    buf = io.StringIO()
    yaml.dump(doc, buf)
    text = buf.getvalue()
    parse_scenario(text, scenario.file)  # refuse to write what would not load
    return text
