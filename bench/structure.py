"""Cost of the command-structure and burden-sharing analyses against the plan they read.

    python bench/structure.py [--repeat 3] [--sizes packaged,small,medium,large]

For each scenario, force generation (`willing.plan`) is the baseline measured in the same run;
the script prints the time of `command_structure` (ORBAT, span limiting, checks, caveat masks),
of `burden_sharing`, of rendering the text tree at 100 columns and of the DOT text, each as a
ratio to the plan. Timings are the best of `--repeat` runs (the machine is shared, so the
ratios are what to read). Synthetic sizes are those of `willing.synthetic.SIZES`.
"""

from __future__ import annotations

import argparse
import io

from rich.console import Console

import willing
from timing import best
from willing.cli.structure import render_command
from willing.synthetic import SIZES, synthetic_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="packaged,small,medium,large")
    args = ap.parse_args()
    print(f"{'scenario':<10} {'units':>6} {'nodes':>6} {'plan s':>8} {'orbat s':>8} {'×plan':>7} "
          f"{'burden s':>9} {'×plan':>7} {'text s':>7} {'×plan':>7} {'dot s':>7} {'×plan':>7}")
    for size in args.sizes.split(","):
        sc = (willing.load_scenario() if size == "packaged"
              else synthetic_scenario(**SIZES[size], seed=0))
        t_plan, r = best(lambda sc=sc: willing.plan(sc, time_limit=120), 1)
        t_cs, cs = best(lambda r=r: willing.command_structure(r), args.repeat)
        t_b, _ = best(lambda r=r: willing.burden_sharing(r), args.repeat)
        t_txt, _ = best(lambda cs=cs: render_command(
            Console(file=io.StringIO(), width=100, color_system=None), cs), args.repeat)
        t_dot, _ = best(cs.to_dot, args.repeat)
        units = int(r.allocation["units"].sum())
        print(f"{size:<10} {units:>6} {cs.graph.number_of_nodes():>6} {t_plan:>8.2f} "
              f"{t_cs:>8.3f} {t_cs / t_plan:>7.3f} {t_b:>9.4f} {t_b / t_plan:>7.4f} "
              f"{t_txt:>7.3f} {t_txt / t_plan:>7.3f} {t_dot:>7.3f} {t_dot / t_plan:>7.3f}",
              flush=True)


if __name__ == "__main__":
    main()
