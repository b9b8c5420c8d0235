"""Start-up of the `willing` command, whole process, against Python's own start-up in the same run.

    python bench/startup.py [--runs 7]

Each command runs `--runs` times as a fresh subprocess (the console script's entry point,
`willing.cli:main`); the figure is the median wall time. Baselines, timed the same way:
`python -c pass` (the interpreter alone) and `python -c "import willing"` (the package,
which exports its names on first use). Printed: each median, and each as a ratio to both
baselines. `willing plan` runs on the packaged scenario and records its run in a throw-away
store, as a user's first `willing plan` does.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENTRY = "from willing.cli import main; main()"


def median_seconds(args: list[str], runs: int) -> float:
    """Median wall time of `runs` fresh processes of `args` (each must exit 0)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


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
    python, package = got["python -c pass"], got["python -c 'import willing'"]
    print(f"median of {args.runs} fresh processes each")
    print(f"  {'command':<28} {'seconds':>8} {'× python':>9} {'× import':>9}")
    for name, s in got.items():
        print(f"  {name:<28} {s:8.3f} {s / python:9.2f} {s / package:9.2f}")


if __name__ == "__main__":
    main()
