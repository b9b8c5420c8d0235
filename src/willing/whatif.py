"""What if: edit a scenario in place and see the plan and the stress summary at once.

A `WhatIf` session holds one scenario in one (state, force option): the force-generation model
built for it and, per pledge supply, the compiled robustness kernel. An edit (a nation or a
pledge off or on, a pledge's count, a nation's willingness, the US-backstop probability) is
applied as scenario overrides (`willing.scenario.apply_overrides`), so the edited scenario is
validated exactly like a written one, and then only what it changes is computed again:

- willingness and the backstop enter the draws, not the MILP: the plan's solution is reused
  and the stress kernel too; only the draws are made again;
- counts (a nation or pledge off is count 0) enter the MILP's bounds, its coefficients and its
  cost weights: the formulation is made again from the kept index arrays (`Built.with_pledges`)
  and HiGHS solves it, and the kernel is compiled for the new supply.

Solutions and kernels are kept per pledge counts, so toggling something back is a look-up. The
answer is always that of a cold `willing plan` and `willing stress` of the edited scenario
(docs/whatif.md, "Exactly the cold answer"): HiGHS is run on the very model a cold plan
builds, from the same start, because a warm start from the previous plan would pick another of
equally good plans (another lead among equals, the same units elsewhere).
"""

from __future__ import annotations

import html
import io
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock
from typing import Any, Literal

import numpy as np
import pandas as pd
from ruamel.yaml import YAML

from willing import coverage
from willing.forcegen.arrays import pledge_arrays
from willing.forcegen.plan import build_model, read_back
from willing.forcegen.result import PlanResult, hosts
from willing.forcegen.solve import solve
from willing.results import Field, Result, Table
from willing.robust.distributed import chunks
from willing.robust.draws import Assumptions, Draws, draw_model, sample
from willing.robust.kernel import Kernel, compile_kernel
from willing.robust.stress import headline, histograms, transport
from willing.scenario.scenario import Scenario, apply_overrides

Kind = Literal["nation", "pledge", "count", "willingness", "backstop"]
KINDS: dict[str, str] = {
    "nation": "a nation on (true) or off (false): off, every pledge of it counts 0",
    "pledge": "a pledge on (true) or off (false): off, it counts 0",
    "count": "a pledge's units (its rotation pool), 0 to 10,000",
    "willingness": "a nation's probability of taking part, 0 to 1",
    "backstop": "the probability of the US backstop, 0 to 1",
}
"""The edits a what-if takes, and what each means."""

MAX_COUNT = 10_000
"""Largest pledge count, as the scenario schema allows."""

KEPT = 32
"""Plans and kernels a session keeps (per pledge counts), least recently used dropped."""

DRAWS_KEPT = 2
"""Sets of draws a session keeps: 100,000 draws of the packaged scenario take about 20 MB."""


@dataclass(frozen=True)
class Edit:
    """One change: `target` names the nation (ISO code) or pledge (id); none for the backstop."""

    kind: Kind
    value: bool | int | float
    target: str | None = None

    def describe(self) -> str:
        what = {"nation": "nation", "pledge": "pledge", "count": "count of",
                "willingness": "willingness of", "backstop": "US backstop"}[self.kind]
        value = ("on" if self.value else "off") if isinstance(self.value, bool) else f"{self.value:g}"
        return f"{what} {self.target} {value}" if self.target else f"{what} {value}"


@dataclass(frozen=True)
class Effective:
    """Where a list of edits leaves the scenario: each pledge's count, each willingness."""

    counts: dict[str, int]  # pledges whose count differs from the scenario's (0: off)
    willingness: dict[str, float]
    backstop: float | None
    nation_off: frozenset[str] = frozenset()
    pledge_off: frozenset[str] = frozenset()
    stated: dict[str, int] = field(default_factory=dict)  # counts set, whether on or off


def effective(scenario: Scenario, edits: list[Edit]) -> Effective:
    """Fold `edits` in order over `scenario`; raises ValueError naming the edit (by its position
    in the list) that is not valid, and what would be."""
    nations = scenario.spec.nations
    pledges = {p.id: p for p in scenario.pledges}
    base = {p.id: p.count for p in scenario.pledges}
    nation_on = dict.fromkeys(nations, True)
    pledge_on = dict.fromkeys(pledges, True)
    counts = dict(base)
    will: dict[str, float] = {}
    backstop: float | None = None
    for i, e in enumerate(edits):
        where = f"edits[{i}] ({e.kind})"
        if e.kind not in KINDS:
            raise ValueError(f"{where}: unknown kind; valid: {', '.join(KINDS)}")
        if e.kind in ("nation", "willingness") and e.target not in nations:
            raise ValueError(f"{where}: no nation '{e.target}' in the scenario; valid: "
                             f"{', '.join(nations)}")
        if e.kind in ("pledge", "count") and e.target not in pledges:
            raise ValueError(f"{where}: no pledge '{e.target}' in the scenario; valid: "
                             f"{', '.join(pledges)}")
        if e.kind in ("nation", "pledge"):
            if not isinstance(e.value, bool):
                raise ValueError(f"{where}: value must be true (on) or false (off), got {e.value!r}")
            (nation_on if e.kind == "nation" else pledge_on)[str(e.target)] = e.value
        elif e.kind == "count":
            if isinstance(e.value, bool) or not isinstance(e.value, int) or not (
                    0 <= e.value <= MAX_COUNT):
                raise ValueError(f"{where}: value must be a whole number of units from 0 to "
                                 f"{MAX_COUNT:,}, got {e.value!r}")
            counts[str(e.target)] = e.value
        else:
            if isinstance(e.value, bool) or not isinstance(e.value, int | float) or not (
                    0.0 <= e.value <= 1.0):
                raise ValueError(f"{where}: value must be a probability from 0 to 1, got "
                                 f"{e.value!r}")
            if e.kind == "willingness":
                will[str(e.target)] = float(e.value)
            else:
                backstop = float(e.value)
    final = {pid: counts[pid] if pledge_on[pid] and nation_on[p.nation] else 0
             for pid, p in pledges.items()}
    return Effective({pid: c for pid, c in final.items() if c != base[pid]}, will, backstop,
                     frozenset(k for k, on in nation_on.items() if not on),
                     frozenset(k for k, on in pledge_on.items() if not on), counts)


def overrides_of(scenario: Scenario, eff: Effective) -> dict[str, Any]:
    """The scenario overrides (`willing.scenario.overrides`) that make the edited scenario.

    A pledge's count is set by rewriting its whole mapping with `count`: a pledge stated as
    `deployed` or `share_of_active` takes exactly one size, so setting `count` beside it
    would not validate.
    """
    out: dict[str, Any] = {}
    position = {p.id: k for k, p in enumerate(scenario.pledges)}
    first = {iso: min(position[p.id] for p in scenario.pledges if p.nation == iso)
             for iso in {p.nation for p in scenario.pledges}}
    for pid, count in eff.counts.items():
        p = scenario.pledges[position[pid]]
        k = position[pid] - first[p.nation]
        written = scenario.spec.nations[p.nation].pledges[k]
        mapping = written.model_dump(by_alias=True, exclude_unset=True, mode="json")
        mapping.pop("deployed", None)
        mapping.pop("share_of_active", None)
        out[f"nations.{p.nation}.pledges[{k}]"] = {**mapping, "count": count}
    for iso, w in eff.willingness.items():
        out[f"nations.{iso}.willingness"] = w
    if eff.backstop is not None:
        out["uncertainty.us_backstop"] = eff.backstop
    return out


def edited_yaml(scenario: Scenario, overrides: dict[str, Any], note: str = "") -> str:
    """The scenario's own text with `overrides` written into it (comments and layout kept), to
    save as a new version; `note` becomes a comment at the top.

    Edits apply after the force option's overrides; one that touches a path the option also
    sets could not be written into the file without the option undoing it, so it is refused.
    """
    option = scenario.spec.force_options.get(scenario.force_option or "")
    clash = [k for k in overrides for o in (option.overrides if option else {})
             if k.startswith(o) or o.startswith(k)]
    if clash:
        raise ValueError(f"force option '{scenario.force_option}' sets {', '.join(clash)} "
                         "itself: save the what-if without that option")
    yaml = YAML()  # round trip: the file stays the planner's, with its comments
    yaml.preserve_quotes = True
    doc = yaml.load(scenario.text)
    for path, value in overrides.items():
        _set(doc, path, value)
    out = io.StringIO()
    yaml.dump(doc, out)
    head = "".join(f"# {line}\n" for line in note.splitlines()) if note else ""
    return head + out.getvalue()


def _set(doc: Any, path: str, value: Any) -> None:
    """Set one override path of `overrides_of` (`nations.X.willingness`,
    `nations.X.pledges[k]`, `uncertainty.us_backstop`) in a round-trip document."""
    head, _, last = path.rpartition(".")
    node = doc
    for step in head.split("."):
        node = node.setdefault(step, {})
    if last.startswith("pledges["):
        pledge = node["pledges"][int(last[len("pledges["):-1])]
        for key in ("deployed", "share_of_active"):
            pledge.pop(key, None)
        pledge["count"] = value["count"]
    else:
        node[last] = value


@dataclass
class WhatIfResult(Result):
    """A what-if's answer: the plan's coverage, gaps and leads, and the stress summary."""

    scenario: str
    state: str
    force_option: str | None
    edits: list[Edit]
    overrides: dict[str, Any]
    plan: PlanResult
    stress: dict[str, Any]  # the summary of `willing stress` (`stress.headline`)
    nations: pd.DataFrame  # each nation: on or off, its willingness as edited
    pledges: pd.DataFrame  # each pledge: on or off, its count as edited and as written
    us_backstop: float
    seconds: float
    reused: list[str] = field(default_factory=list)
    coverage: pd.DataFrame = field(init=False)  # the plan's tables the answer shows
    gaps: pd.DataFrame = field(init=False)
    leads: pd.DataFrame = field(init=False)
    by_nation: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        self.coverage, self.gaps = self.plan.coverage, self.plan.gaps
        self.leads, self.by_nation = self.plan.leads, self.plan.by_nation

    def heading(self) -> str:
        s = self.summary()
        return (f"<h3>willing what-if — {html.escape(self.scenario)}, state {self.state}</h3>"
                f"<p>{len(self.edits)} edits · coverage {s['coverage']:.1%} · essential "
                f"{s['essential_coverage']:.1%} · P(every essential requirement met) "
                f"{s['p_essential_met']:.1%}</p>")

    def summary(self) -> dict[str, Any]:
        s, st = self.plan.summary(), self.stress
        r = self.plan.requirements
        return {"scenario": self.scenario, "state": self.state, "force_option": self.force_option,
                "units_required": s["units_required"], "units_filled": s["units_filled"],
                "coverage": s["coverage"], "essential_coverage": s["essential_coverage"],
                "personnel_required": int(r["personnel"].sum()) if not r.empty else 0,
                "personnel_filled": int(r["personnel_filled"].sum()) if not r.empty else 0,
                "gaps": s["gaps"], "solver_status": s["solver_status"],
                "draws": st["draws"], "seed": st["seed"],
                "us_backstop": self.us_backstop,
                "p_essential_met": st["p_essential_met"], "mean_coverage": st["mean_coverage"],
                "mean_essential": st["mean_essential"], "reused": self.reused,
                "seconds": round(self.seconds, 3)}

    PARTS = (
        Field("summary", lambda r: r.summary()),
        Field("edits", lambda r: [{"kind": e.kind, "target": e.target, "value": e.value,
                                   "text": e.describe()} for e in r.edits]),
        Table("coverage", title="Coverage"),
        Table("gaps", text=("reason",), title="Gaps"),
        Table("leads", public=("lead",), text=("reason",), title="Leads"),
        Table("by_nation", nation="nation", title="By nation"),
        Table("nations", nation="nation", public=("nation",), public_rows=hosts),
        Table("pledges", nation="nation"),
    )


class WhatIf:
    """One scenario in one state, kept warm for edits (see the module doc).

    Not safe for two threads at once: the server holds a lock per session.
    """

    def __init__(self, scenario: Scenario, state: str | None = None) -> None:
        self.scenario = scenario
        self.state = state or scenario.default_state
        if self.state not in scenario.spec.states:
            raise ValueError(f"unknown state '{self.state}'; valid: {', '.join(scenario.states)}")
        self.built = build_model(scenario, self.state)
        self.lock = Lock()
        # plans by pledge counts (the plan reads no willingness), kernels by supply, and the
        # draws by what they are drawn from: each made again only when its input changes
        self._plans: OrderedDict[bytes, PlanResult] = OrderedDict()
        self._kernels: OrderedDict[tuple[bytes, int], Kernel] = OrderedDict()
        self._draws: OrderedDict[tuple[Assumptions, int, int], list[Draws]] = OrderedDict()

    def run(self, edits: list[Edit], *, draws: int = 100_000, seed: int = 1) -> WhatIfResult:
        """The plan and stress summary of the scenario with `edits` applied."""
        t0 = time.perf_counter()
        seeds = chunks(draws, seed)  # checks draws and seed first
        eff = effective(self.scenario, edits)
        overrides = overrides_of(self.scenario, eff)
        edited = apply_overrides(self.scenario, overrides) if overrides else self.scenario
        reused: list[str] = []
        pa = pledge_arrays(edited)
        plan = _kept(self._plans, pa.count.tobytes())
        if plan is None:
            built = self.built.with_pledges(pa)
            values, info = solve(built.fm, built.ra)
            plan = _keep(self._plans, pa.count.tobytes(),
                         read_back(edited, self.state, built, values, info, t0))
        else:
            reused.append("plan")
        stress = self._stress(edited, seeds, seed, reused)
        return WhatIfResult(self.scenario.name, self.state, self.scenario.force_option,
                            list(edits), overrides, plan, stress, *_controls(edited, eff),
                            edited.spec.uncertainty.us_backstop, time.perf_counter() - t0, reused)

    def _stress(self, edited: Scenario, seeds: list[tuple[np.random.SeedSequence, int]],
                seed: int, reused: list[str]) -> dict[str, Any]:
        """The summary of `willing stress` of the edited scenario: the same draws and counts, its
        kernel compiled once per supply and its coalitions drawn once per set of probabilities.
        Only the filled units are counted, not how often each requirement is short (most of a
        stress run's time, and not in the summary)."""
        draws = sum(n for _, n in seeds)
        a = Assumptions.of(edited)
        tp, reqs = transport(edited, self.state)
        dm = draw_model(edited, self.state, a)
        kernel = _kept(self._kernels, (tp.supply.tobytes(), draws))
        if kernel is None:
            kernel = _keep(self._kernels, (tp.supply.tobytes(), draws),
                           compile_kernel(tp, dm.pledge_key, dm.n_keys, draws=draws))
        else:
            reused.append("kernel")
        drawn = _kept(self._draws, (a, seed, draws))
        if drawn is None:
            drawn = _keep(self._draws, (a, seed, draws),
                          [sample(dm, np.random.Generator(np.random.PCG64(s)), n)
                           for s, n in seeds], DRAWS_KEPT)
        else:
            reused.append("draws")
        total, essential, value = [], [], np.zeros(len(coverage.MEASURES))
        for d in drawn:
            filled, filled_value = kernel.filled(d.avail)
            units = histograms(kernel, d, filled)
            total.append(units[0])
            essential.append(units[1])
            value += filled_value.sum(axis=1)
        return headline(edited, self.state, seed, kernel, np.add.reduce(total),
                        np.add.reduce(essential), tp.value_required, reqs, value)


def _controls(edited: Scenario, eff: Effective) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The nations and pledges as the panel shows them: on or off, willingness and count (the
    count set, kept while the pledge is off so that turning it on again restores it)."""
    nations = pd.DataFrame([{"nation": iso, "name": edited.figures[iso].name, "tier": str(n.tier),
                             "willingness": n.willingness, "on": iso not in eff.nation_off}
                            for iso, n in edited.spec.nations.items()],
                           columns=["nation", "name", "tier", "willingness", "on"])
    pledges = pd.DataFrame([{"nation": p.nation, "pledge": p.id, "capability": p.capability,
                             "count": eff.stated.get(p.id, p.count),
                             "on": p.id not in eff.pledge_off}
                            for p in edited.pledges],
                           columns=["nation", "pledge", "capability", "count", "on"])
    return nations, pledges


def _kept(cache: OrderedDict[Any, Any], key: Any) -> Any:
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    return None


def _keep(cache: OrderedDict[Any, Any], key: Any, value: Any, most: int = KEPT) -> Any:
    cache[key] = value
    while len(cache) > most:
        cache.popitem(last=False)
    return value


__all__ = ["KINDS", "Edit", "WhatIf", "WhatIfResult", "edited_yaml", "effective", "overrides_of"]
