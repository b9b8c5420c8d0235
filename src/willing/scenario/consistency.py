"""Consistency checks: a scenario that loads but says something a planner would not mean.

Loading refuses what is wrong (`references.py`, the pydantic models); these checks warn about
what is valid but cannot work as written, such as a pledge that can never put a unit in
theatre. Each check is a named function of a loaded scenario returning its warnings, each
with the file's line and the field; `consistency_check` runs them all (`willing validate`
prints them). A check never changes the scenario: force generation reports the same pledges
in its gap reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from willing.scenario.errors import Problem
from willing.scenario.model import Duration
from willing.scenario.scenario import Scenario
from willing.scenario.yamlmarks import locate, parse


def never_deployable(scenario: Scenario) -> Iterator[Problem]:
    """Pledges whose pool is smaller than their rotation and that no surge requirement can use.

    An enduring requirement keeps floor(pool / rotation) units of a pledge deployed, so a pool
    of 1 battalion at rotation 3 keeps none; only a surge requirement (which uses the whole
    pool once) could take it.
    """
    surge_caps = {cap for r in scenario.rules if r.rule.duration == Duration.SURGE
                  for cap in _capabilities(r.rule)}
    for (iso, k, field), p in zip(_pledge_fields(scenario), scenario.pledges, strict=True):
        if p.count >= p.rotation - 1e-9:
            continue
        fills = {p.capability, *scenario.catalogue[p.capability].substitutes}
        if fills & surge_caps:
            continue
        how = f" ({p.count_rule})" if field != "count" else ""
        yield Problem(("nations", iso, "pledges", k, field),
                      f"{iso}'s {p.capability} pledge {p.id}: pool of {p.count}{how} < rotation "
                      f"{p.rotation:g}, never deployable on an enduring requirement and no surge "
                      "requirement can use it; pledge 'deployed: N' (units kept in theatre) or "
                      f"a pool of at least {p.rotation:g}")


CHECKS: dict[str, Callable[[Scenario], Iterator[Problem]]] = {
    "never-deployable": never_deployable,
}
"""Every consistency check by name, in the order they run."""


def consistency_check(scenario: Scenario) -> list[tuple[str, Problem]]:
    """Every warning of every check, as (check name, problem with line and column)."""
    doc, _ = parse(scenario.text)
    out = []
    for name, check in CHECKS.items():
        for problem in check(scenario):
            path, line, col = locate(doc, problem.path)
            out.append((name, replace(problem, path=path, line=line, column=col)))
    return out


def _capabilities(rule: object) -> set[str]:
    """The capabilities a sizing rule asks for (its own, its escorts', its template's)."""
    caps = {getattr(rule, f, None) for f in ("capability", "escort_capability")}
    caps |= {t.capability for t in getattr(rule, "template", None) or []}
    return {c for c in caps if c is not None}


def _pledge_fields(scenario: Scenario) -> Iterator[tuple[str, int, str]]:
    """(nation, index, size field) of every pledge, in the order of `scenario.pledges`."""
    for iso, nation in scenario.spec.nations.items():
        for k, p in enumerate(nation.pledges):
            field = next(f for f in ("count", "deployed", "share_of_active")
                         if getattr(p, f) is not None)
            yield iso, k, field
