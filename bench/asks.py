"""Benchmark of `willing asks`, against the plain plan solve of the same state in the same run.

    python bench/asks.py [--robust 0.8] [--skip-large] [--whole-units]

Prints:
- deterministic asks (`--target`, default all) on the largest synthetic instance (60 nations ×
  5,000 pledges × 500 requirements, its default state) with every pledge halved, so that there
  are gaps to close, and the fielded table of the full instance
  (`willing.synthetic.synthetic_fielded`): the whole `asks()` call (plan before, candidates,
  the asks MILP, plan after) and the asks alone (candidates, model, solve, from the plan
  before), against one `willing.plan` of the state (the baseline, passed as `before`);
- robust asks (`--robust`, target essential; the sample-average approximation MILP and its
  check on fresh draws) on the packaged scenario, against one `willing.plan`: with the
  packaged forces and ceilings tables, then with the test stand-in fielded table
  (tests/data/forces_standin.csv, not sourced figures), a 5 % ceiling and no Black Sea access
  rules (a sample with swing draws to solve).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import willing
from timing import best
from willing.asks import asks
from willing.scenario import Scenario, apply_overrides, from_spec
from willing.scenario.model import ScenarioSpec
from willing.synthetic import SIZES, synthetic_fielded, synthetic_scenario, synthetic_spec

STANDIN = Path(__file__).resolve().parent.parent / "tests" / "data" / "forces_standin.csv"


def half_pledged() -> Scenario:
    """The largest synthetic instance with every pledge's count halved (rounded down, at least
    1): same size, but with gaps to close from what the nations field."""
    spec = synthetic_spec(**SIZES["large"], seed=0)
    for nation in spec["nations"].values():
        for p in nation.get("pledges", []):
            if p.get("count") is not None:
                p["count"] = max(1, p["count"] // 2)
    return from_spec(ScenarioSpec.model_validate(spec), "<synthetic-large-half-pledged>")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--robust", type=float, default=0.8)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--target", default="all", help="target of the large instance's asks")
    ap.add_argument("--time-limit", type=float, default=60.0, help="plans' time limit, s")
    ap.add_argument("--whole-units", action="store_true", help="no sub-unit asks (large case)")
    args = ap.parse_args()
    if not args.skip_large:
        full = synthetic_scenario()
        sc = half_pledged()
        state = sc.default_state
        table = synthetic_fielded(full)
        base, before = best(lambda: willing.plan(sc, state, time_limit=args.time_limit), 1)
        total, r = best(lambda: asks(sc, state, target=args.target, fielded=table,
                                     ceiling=lambda _: 0.05, draws=0, before=before,
                                     time_limit=args.time_limit,
                                     subunits=not args.whole_units), 1)
        s, tm = r.summary(), r.timings
        print(f"large synthetic ({sc.name}, {state}, target {args.target}): plan {base:.1f} s · "
              f"asks (candidates, model, solve) {tm['asks_milp']:.1f} s = "
              f"{tm['asks_milp'] / base:.2f}× the plan ({r.stages[-1].status}, gap "
              f"{r.stages[-1].mip_gap:.2%}) · plan after {tm['plan_after']:.1f} s · whole call "
              f"{total:.1f} s · {s['units']} units asked, coverage "
              f"{s['coverage_before']:.1%} → {s['coverage_after']:.1%}, reachable {r.reachable}")
    packaged = willing.load_scenario()
    base, _ = best(lambda: willing.plan(packaged), 1)
    standin = {"fielded": pd.read_csv(STANDIN), "ceiling": lambda _: 0.05}
    for label, sc, kw in [
            ("packaged robust asks", packaged, {}),
            ("packaged, stand-in forces, no straits rules",
             apply_overrides(packaged, {"regions.black-sea.access": []}), standin)]:
        total, r = best(lambda sc=sc, kw=kw: asks(sc, robust=args.robust, draws=0, **kw), 1)
        b = r.robust
        print(f"{label} (P ≥ {args.robust:.0%}): plan {base:.2f} s · asks {total:.1f} s "
              f"({total / base:.0f}× the plan; robust {b['seconds']:.1f} s: "
              f"{b['sample_draws']:,} draws, {b['swing_patterns']} swing patterns, "
              f"{b['solver_status']}) · P {b['p_sample_alone']:.1%} alone → "
              f"{b['p_sample']:.1%} on the sample, {b['p_check']:.1%} "
              f"[{b['ci95'][0]:.1%}, {b['ci95'][1]:.1%}] on {b['check_draws']:,} fresh draws; "
              f"every spare unit asked {b['p_every_spare_unit']:.1%}; "
              f"{'reached' if b['reached'] else 'not reached'}")


if __name__ == "__main__":
    main()
