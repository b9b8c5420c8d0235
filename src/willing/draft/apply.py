"""Writing accepted proposals: into a copy of the scenario (conditions, caveats, new nations)
and into a ledger file (YAML list of dated, sourced entries).

The copy keeps the file's comments and layout (ruamel round-trip) and is validated before it
is written, so an accepted proposal can never leave a scenario that does not load.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from willing.draft.propose import NO_FORCES_IN_UKRAINE, WITHDRAWN, Proposal
from willing.scenario import Scenario, packaged, parse_scenario


def apply_to_scenario(scenario: Scenario, proposals: list[Proposal], note: str) -> tuple[str, list[str]]:
    """The scenario text with the accepted proposals applied, and one line per change made.

    `note` (the source, or the file read) is added to each changed nation's `source`.
    """
    yaml = _yaml()
    doc = yaml.load(scenario.text)
    if not isinstance(doc, dict):
        raise ValueError(f"{scenario.file}: cannot edit this scenario as YAML")
    nations = doc["nations"]
    figures = packaged.nations()
    in_ukraine = {rid for rid, r in scenario.spec.regions.items() if r.in_ukraine}
    done: list[str] = []
    for p in proposals:
        c = p.change
        if p.kind == "condition":
            conds = nations[c["nation"]].setdefault("conditions", [])
            for cond in c["add"]:
                if cond not in conds:
                    conds.append(cond)
            done.append(f"{c['nation']}: conditions += {', '.join(c['add'])}")
        elif p.kind == "caveat" and c["caveat"] == NO_FORCES_IN_UKRAINE:
            done += _no_forces_in_ukraine(c["nation"], nations[c["nation"]], in_ukraine)
        elif p.kind == "caveat" and c["caveat"] == WITHDRAWN:
            nations[c["nation"]]["willingness"] = 0.0
            done.append(f"{c['nation']}: willingness 0 (withdrawn)")
        elif p.kind == "new-nation" and c["nation"] not in nations:
            if c["nation"] not in figures:
                done.append(f"{c['nation']}: not added — not in the packaged nations table; add it "
                            "by hand with population, gdp_usd_bn, milex_usd_bn, active_personnel")
                continue
            entry = CommentedMap(tier=c["tier"], willingness=c["willingness"])
            if c["conditions"]:
                entry["conditions"] = list(c["conditions"])
            entry["source"] = f"{p.summary} — {note}"
            entry["assumption"] = "willingness and pledges to be set by the planner (willing draft)"
            nations[c["nation"]] = entry
            done.append(f"{c['nation']}: added as a member")
        else:
            continue
        if p.kind != "new-nation":
            old = nations[c["nation"]].get("source")
            nations[c["nation"]]["source"] = f"{old}; {note}" if old and note not in old else old or note
    buf = io.StringIO()
    yaml.dump(doc, buf)
    text = buf.getvalue()
    parse_scenario(text, scenario.file)  # refuse to write what would not load
    return text, done


def _yaml() -> YAML:
    """Round-trip YAML that keeps the layout of hand-written scenario files."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _no_forces_in_ukraine(iso: str, nation: Any, in_ukraine: set[str]) -> list[str]:
    kept, done = [], []
    for k, pledge in enumerate(nation.get("pledges") or []):
        regions = [r for r in pledge["regions"] if r not in in_ukraine]
        if not regions:
            done.append(f"{iso}: pledge {pledge.get('id', f'{iso}-{k + 1}')} ({pledge['capability']}) "
                        "removed: it served only in Ukraine")
            continue
        if len(regions) < len(pledge["regions"]):
            pledge["regions"] = regions
            done.append(f"{iso}: pledge {pledge.get('id', f'{iso}-{k + 1}')} ({pledge['capability']}) "
                        "kept outside Ukraine")
        kept.append(pledge)
    if "pledges" in nation:
        nation["pledges"] = kept
    return done or [f"{iso}: no pledge served in Ukraine; nothing to change"]


def ledger_text(proposals: list[Proposal], existing: str | None = None) -> str:
    """The ledger file (YAML list) with the accepted ledger entries appended."""
    yaml = _yaml()
    entries = (yaml.load(existing) if existing else None) or []
    if not isinstance(entries, list):
        raise ValueError("a ledger file is a YAML list of entries")
    entries += [dict(p.change) for p in proposals if p.kind == "ledger"]
    buf = io.StringIO()
    yaml.dump(entries, buf)
    return buf.getvalue()


__all__ = ["apply_to_scenario", "ledger_text"]
