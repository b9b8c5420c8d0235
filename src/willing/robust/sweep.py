"""`sweep()`: stress runs over a grid of assumptions (DESIGN §8).

A grid axis is written `name=lo:hi:n` (n evenly spaced points from lo to hi) or
`name=a,b,c` (those values). Variables:

- `us_backstop`, `adversary_consent`, `ceasefire_holds`, `mandate`, `correlation`: the
  `uncertainty` probabilities of the scenario (each between 0 and 1);
- `willingness_scale`: every nation's willingness multiplied by this factor (≥ 0, capped at 1);
- `willingness.ISO` (e.g. `willingness.DEU`): one nation's willingness (0..1), applied after
  the scale;
- `force_option`: a force option declared by the scenario (`small`, `medium`, `large`);
- any field path of the scenario (`nations.FRA.pledges[0].count`,
  `mission_lines.land.requirements.land-force.personnel`), as in a force option's overrides.

A grid point is applied as scenario overrides (`willing.scenario.apply_overrides`), the
same vocabulary as force options: `us_backstop` is `uncertainty.us_backstop`,
`willingness.DEU` is `nations.DEU.willingness`, `willingness_scale` sets every nation's.

Every grid point runs with the same seed — common random numbers — so differences between
points come from the assumptions, not from sampling noise. All (point, chunk) tasks go to one
executor, so a cluster works on several points at once.
"""

from __future__ import annotations

import difflib
import html
import itertools
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from willing.results import Field, Result, Table
from willing.robust.distributed import CHUNK, Progress, chunks, execute
from willing.robust.draws import GLOBALS, Assumptions
from willing.robust.stress import StressResult, run_chunk, stress_model, summarise
from willing.scenario.model import ScenarioSpec
from willing.scenario.overrides import parse_path, resolve
from willing.scenario.scenario import Scenario, apply_overrides

PROBABILITIES = (*(name for name, _ in GLOBALS), "correlation")
VARIABLES = (*PROBABILITIES, "willingness_scale", "willingness.ISO", "force_option")


@dataclass(frozen=True)
class Axis:
    name: str
    values: tuple[Any, ...]


def parse_axis(text: str, scenario: Scenario) -> Axis:
    """`name=lo:hi:n` or `name=a,b,c`, checked against the variable's range."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not sep or not name:
        raise ValueError(f"grid axis '{text}' must look like name=lo:hi:n or name=a,b,c "
                         f"(variables: {', '.join(VARIABLES)})")
    _check_name(name, scenario)
    if not spec:
        raise ValueError(f"grid axis {name} has no points (give name=lo:hi:n or name=a,b,c)")
    if name == "force_option":
        values: tuple[Any, ...] = tuple(v.strip() for v in spec.split(",") if v.strip())
        valid = list(scenario.spec.force_options)
        for v in values:
            if v not in valid:
                raise ValueError(f"force_option '{v}' is not declared by the scenario; valid: "
                                 f"{', '.join(valid) or 'none'}")
    elif ":" in spec:
        values = _range(name, spec)
    elif name in VARIABLES or name.startswith("willingness."):
        values = tuple(_number(name, v) for v in spec.split(",") if v.strip())
    else:
        values = tuple(_value(v.strip()) for v in spec.split(",") if v.strip())
    if not values:
        raise ValueError(f"grid axis {name} has no points")
    for v in values:
        if name == "willingness_scale":
            if v < 0:
                raise ValueError(f"willingness_scale must be ≥ 0, got {v:g}")
        elif name in VARIABLES or name.startswith("willingness."):
            if name != "force_option" and not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be a probability between 0 and 1, got {v:g}")
        else:
            apply_overrides(scenario, {name: v})  # the scenario's own checks, with their message
    return Axis(name, values)


def _value(text: str) -> Any:
    """A point of a field-path axis: a whole number, a number, or the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _check_name(name: str, scenario: Scenario) -> None:
    if name.startswith("willingness."):
        iso = name.split(".", 1)[1]
        if iso not in scenario.spec.nations:
            close = difflib.get_close_matches(iso, list(scenario.spec.nations), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"unknown nation '{iso}' in grid axis {name}{hint}; valid: "
                             f"{', '.join(scenario.spec.nations)}")
        return
    if name in VARIABLES:
        return
    if "." in name or "[" in name:
        try:
            resolve(scenario.spec.model_dump(by_alias=True, exclude_unset=True),
                    parse_path(name), ScenarioSpec)
        except ValueError as exc:
            raise ValueError(f"grid axis {name}: {exc}") from None
        return
    close = difflib.get_close_matches(name, VARIABLES, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise ValueError(f"unknown grid variable '{name}'{hint}; valid: {', '.join(VARIABLES)}, or "
                     "a field path of the scenario (e.g. nations.FRA.pledges[0].count)")


def overrides_of(point: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """A grid point as scenario overrides: `willingness_scale` first, then the other axes."""
    out: dict[str, Any] = {}
    scale = point.get("willingness_scale")
    if scale is not None:
        out |= {f"nations.{iso}.willingness": min(1.0, n.willingness * scale)
                for iso, n in scenario.spec.nations.items()}
    for name, value in point.items():
        if name in PROBABILITIES:
            out[f"uncertainty.{name}"] = value
        elif name.startswith("willingness."):
            out[f"nations.{name.split('.', 1)[1]}.willingness"] = value
        elif name != "willingness_scale":
            out[name] = value
    return out


def _number(name: str, text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"grid axis {name}: '{text}' is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"grid axis {name}: '{text}' is not a finite number")
    return v


def _range(name: str, spec: str) -> tuple[float, ...]:
    parts = spec.split(":")
    if len(parts) != 3:
        raise ValueError(f"grid axis {name}={spec}: a range is lo:hi:n (e.g. 0.2:1.0:5)")
    lo, hi = _number(name, parts[0]), _number(name, parts[1])
    try:
        n = int(parts[2])
    except ValueError:
        raise ValueError(f"grid axis {name}={spec}: the number of points n must be a whole "
                         f"number, got '{parts[2]}'") from None
    if n < 1:
        raise ValueError(f"grid axis {name}={spec} has no points (n must be ≥ 1, got {n})")
    return tuple(round(float(v), 12) for v in np.linspace(lo, hi, n))


def parse_grid(specs: list[str], scenario: Scenario) -> list[Axis]:
    if not specs:
        raise ValueError("the grid is empty: give at least one axis, e.g. us_backstop=0.2:1.0:5")
    axes = [parse_axis(s, scenario) for s in specs]
    names = [a.name for a in axes]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"grid axis given twice: {', '.join(dup)}")
    return axes


@dataclass
class SweepResult(Result):
    """One row per grid point: the assumptions and the coverage they give."""

    scenario: str
    state: str
    draws: int
    seed: int
    axes: list[Axis]
    table: pd.DataFrame
    runs: list[StressResult]
    seconds: float = 0.0

    PARTS = (
        Field("summary", lambda r: {"scenario": r.scenario, "state": r.state, "draws": r.draws,
                                    "seed": r.seed, "points": len(r.table),
                                    "seconds": round(r.seconds, 3)}),
        Field("axes", lambda r: [{"name": a.name, "values": list(a.values)} for a in r.axes],
              text=("name",)),
        Table("table", title="Grid points"),
    )

    def heading(self) -> str:
        return (f"<h3>willing sweep — {html.escape(self.scenario)}, state {self.state}, "
                f"{self.draws:,} draws per point</h3>")


def sweep(scenario: Scenario, grid: list[str] | dict[str, list[Any]], *, state: str | None = None,
          draws: int = 100_000, seed: int = 1, workers: int | None = None,
          scheduler: str | None = None, progress: Progress | None = None,
          chunk: int = CHUNK) -> SweepResult:
    """Stress the plan at every point of the grid (same seed everywhere).

    `grid` is a list of axes (`["us_backstop=0.2:1.0:5", "correlation=0,0.3"]`) or a dict of
    values (`{"us_backstop": [0.2, 0.6], "force_option": ["small", "large"]}`).
    """
    t0 = time.perf_counter()
    if isinstance(grid, dict):
        grid = [f"{name}={','.join(map(str, values))}" for name, values in grid.items()]
    axes = parse_grid(grid, scenario)
    state = state or scenario.default_state
    parts = chunks(draws, seed, chunk)
    points = [dict(zip([a.name for a in axes], combo, strict=True))
              for combo in itertools.product(*(a.values for a in axes))]
    compiled = []
    for point in points:
        sc = apply_overrides(scenario, overrides_of(point, scenario))
        a = Assumptions.of(sc)
        model, reqs = stress_model(sc, state, a, draws)
        compiled.append((sc, a, model, reqs))
    tasks = [(model, s, n) for _, _, model, _ in compiled for s, n in parts]
    done = execute(run_chunk, tasks, workers=workers, scheduler=scheduler, progress=progress)
    runs, rows = [], []
    for i, (point, (sc, a, model, reqs)) in enumerate(zip(points, compiled, strict=True)):
        r = summarise(sc, state, seed, a, model, reqs, done[i * len(parts):(i + 1) * len(parts)], 0.0)
        runs.append(r)
        q = dict(zip(r.quantiles["quantile"], r.quantiles["coverage"], strict=True))
        rows.append({**point, "mean_coverage": r.summary["mean_coverage"],
                     "q05": q[0.05], "median": q[0.5], "q95": q[0.95],
                     "mean_essential": r.summary["mean_essential"],
                     "p_essential_met": r.summary["p_essential_met"],
                     "p_all_met": r.summary["p_all_met"]})
    return SweepResult(scenario=scenario.name, state=state, draws=draws, seed=seed, axes=axes,
                       table=pd.DataFrame(rows), runs=runs, seconds=time.perf_counter() - t0)
