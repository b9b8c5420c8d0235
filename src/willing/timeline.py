"""The coalition over time: the plan of a force option as of each date of the public ledger.

A scenario read `as_of` a date takes its pledges, caveats and conditions from the packaged
ledger's statements up to that date (docs/ledger.md). Planning it at each step of a period
gives the line a newspaper would print: how much of the force the coalition's public
statements would fill, month by month, and how likely the essential part is to hold when
members may not show up (the exact stress kernel, a fixed seed at every date so that the line
moves only with the statements).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from willing.forcegen import plan
from willing.results import Field, Result, Table
from willing.robust import stress
from willing.scenario import Scenario, load_as_of_each

STEPS = ("week", "month", "quarter")
FIRST_DAY = date(2025, 2, 1)
"""The ledger starts in February 2025 (the first European statements on a reassurance force)."""
MAX_DATES = 400
"""At most this many dates in one timeline (a weekly line over seven years)."""


@dataclass
class TimelineResult(Result):
    """Coverage of one force option in one state as of each date."""

    scenario: str
    force_option: str | None
    state: str
    draws: int
    dates: pd.DataFrame  # one row per date

    PARTS = (
        Field("summary", lambda r: {"scenario": r.scenario, "force_option": r.force_option,
                                    "state": r.state, "draws": r.draws, "dates": len(r.dates)}),
        Table("dates", title="As of each date"),
    )

    def heading(self) -> str:
        return (f"<h3>willing timeline — {html.escape(self.scenario)}, state "
                f"{html.escape(self.state)}, {len(self.dates)} dates</h3>")


def dates_between(start: date, end: date, step: str) -> list[date]:
    """`start`, then every `step` (week, month or quarter) up to `end`, and `end` itself."""
    if step not in STEPS:
        raise ValueError(f"step must be one of {', '.join(STEPS)}, got '{step}'")
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    out, d = [], start
    while d < end:
        out.append(d)
        if len(out) > MAX_DATES:
            raise ValueError(f"more than {MAX_DATES} dates from {start} to {end} by {step}; "
                             "take a longer step or a shorter period")
        if step == "week":
            d = date.fromordinal(d.toordinal() + 7)
        else:
            months = 1 if step == "month" else 3
            y, m = divmod(d.month - 1 + months, 12)
            d = date(d.year + y, m + 1, 1)
    return [*out, end]


def timeline(scenario: str | Path | None = None, start: date = FIRST_DAY, end: date | None = None,
             *, step: str = "month", state: str | None = None, force_option: str | None = None,
             draws: int = 10_000, seed: int = 1, time_limit: float = 60.0,
             progress: Callable[[int, int], None] | None = None) -> TimelineResult:
    """Coverage (units, personnel, essential) and P(every essential requirement met) of the
    scenario read as of each date from `start` to `end` (default today); `progress(done,
    total)` is called after each date.

    The file is parsed once, and a date whose scenario is the same as the date before's (no
    ledger statement in between changed it) takes that date's figures without planning again:
    most months of the ledger change nothing, and parsing and planning were all the time.
    """
    days = dates_between(start, end or date.today(), step)
    rows: list[dict[str, Any]] = []
    sc = before = None
    for day, sc in zip(days, load_as_of_each(scenario, days, force_option=force_option),
                       strict=True):
        if before is not None and sc.spec == before.spec:
            rows.append({**rows[-1], "date": day.isoformat()})
        else:
            rows.append({"date": day.isoformat(), **figures_at(sc, state, draws, seed, time_limit)})
            before = sc
        if progress is not None:
            progress(len(rows), len(days))
    assert sc is not None  # dates_between returns at least one date
    return TimelineResult(sc.name, sc.force_option, state or sc.default_state, draws,
                          pd.DataFrame(rows))


def figures_at(sc: Scenario, state: str | None, draws: int, seed: int,
             time_limit: float) -> dict[str, Any]:
    """One date's figures (all but the date): the plan's coverage of `sc` and the stress
    kernel's P(essential met); what a cold `plan --as-of` and `stress --as-of` give."""
    p = plan(sc, state, time_limit=time_limit)
    s = p.summary()
    risk = stress(sc, p.state, draws=draws, seed=seed).summary
    return {
        "nations": int(sc.pledges_frame["nation"].nunique())
        if not sc.pledges_frame.empty else 0, "pledges": len(sc.pledges_frame),
        "units_required": s["units_required"], "units_filled": s["units_filled"],
        "coverage": s["coverage"], "essential_coverage": s["essential_coverage"],
        "personnel_required": s["personnel_required"],
        "personnel_deployed": s["personnel_deployed"],
        "personnel_coverage": s["personnel_coverage"],
        "p_essential_met": risk["p_essential_met"],
        "mean_essential_coverage": risk["mean_essential"],
    }
