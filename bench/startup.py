"""Start-up of the `willing` command, whole process, against Python's own start-up in the same run.

    python bench/startup.py [--runs 7]

Each command runs `--runs` times as a fresh subprocess (the console script's entry point,
`willing.cli:main`); the figures are the median wall and CPU times;
ratios are of wall times. Baselines, timed the same way:
`python -c pass` (the interpreter alone) and `python -c "import willing"` (the package,
which exports its names on first use). Printed: each median, and each as a ratio to both
baselines. `willing plan` runs on the packaged scenario and records its run in a throw-away
store, as a user's first `willing plan` does. CPU time (user + system) is printed too: on a
shared machine it moves less with the load than wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENTRY = "from willing.cli import main; main()"


def median_seconds(args: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of `runs` fresh processes of
    `args` (each must exit 0). CPU time is the steadier figure on a loaded machine."""
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'runs.db'}"
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import willing'": [sys.executable, "-c", "import willing"],
            "willing --help": [sys.executable, "-c", ENTRY, "--help"],
            "willing plan": [sys.executable, "-c", ENTRY, "--db", db, "plan"],
        }
        got = {name: median_seconds(cmd, args.runs) for name, cmd in cases.items()}
    python, package = got["python -c pass"][0], got["python -c 'import willing'"][0]
    print(f"median of {args.runs} fresh processes each; load average {os.getloadavg()[0]:.1f}")
    print(f"  {'command':<28} {'wall s':>7} {'CPU s':>7} {'× python':>9} {'× import':>9}")
    for name, (wall, cpu) in got.items():
        print(f"  {name:<28} {wall:7.3f} {cpu:7.3f} {wall / python:9.2f} {wall / package:9.2f}")


if __name__ == "__main__":
    main()
