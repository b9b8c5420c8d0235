"""Robustness under political uncertainty (docs/robust.md): who shows up, what still holds.

`stress` draws coalitions and measures coverage with an exact vectorised max-flow kernel;
`pivotal` ranks nations by Shapley and Banzhaf values of the coverage game; `sweep` runs
stress over a grid of assumptions — in-process, on local processes or on a Dask cluster.
"""

from willing.robust.draws import Assumptions
from willing.robust.pivotal import PivotalResult, pivotal
from willing.robust.stress import StressResult, stress
from willing.robust.sweep import SweepResult, sweep

__all__ = ["Assumptions", "PivotalResult", "StressResult", "SweepResult", "pivotal", "stress", "sweep"]
