"""Benchmark of `willing timeline` (docs/ledger.md) against a cold plan of each date, same run.

    python bench/timeline.py [--from 2025-02-01] [--to 2026-11-29] [--step month]
                             [--draws 10000] [--repeat 1]

The timeline parses the scenario file once and plans only the dates whose scenario changed
since the date before. The baseline is what a user would get by running `plan --as-of` and
`stress --as-of` at each date in one process: the scenario loaded as of the date (its YAML
parsed each time), planned and stressed. The script checks that both give the same figures at
every date, and fails if not; it prints both times (best of `--repeat`) and their ratio.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

import pandas as pd

from timing import best
from willing.scenario import load_scenario
from willing.timeline import dates_between, figures_at, timeline


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="start", default="2025-02-01")
    ap.add_argument("--to", dest="end", default="2026-11-29")
    ap.add_argument("--step", default="month")
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    days = dates_between(start, end, args.step)

    def cold() -> pd.DataFrame:
        return pd.DataFrame([{"date": d.isoformat(),
                              **figures_at(load_scenario(as_of=d), None, args.draws, 1, 60.0)}
                             for d in days])

    t_tl, r = best(lambda: timeline(None, start, end, step=args.step, draws=args.draws),
                   args.repeat)
    t_cold, base = best(cold, args.repeat)
    same = r.dates.equals(base)
    print(f"{len(days)} dates ({args.start} to {args.end} by {args.step}), "
          f"{args.draws:,} stress draws each")
    print(f"  cold plan per date : {t_cold:7.2f} s")
    print(f"  willing timeline   : {t_tl:7.2f} s   ratio {t_cold / t_tl:5.1f} x faster")
    print(f"  same figures at every date: {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
