"""Latency of "what if" through the web service, against a cold plan and stress of the same edit.

    python bench/whatif.py [--edits 200] [--draws 100000] [--baseline-every 10] [--seed 0]

Starts the real server (`willing serve`, uvicorn, single user) on 127.0.0.1 and plays a
planner at the panel: `--edits` random edits of the packaged scenario (a nation or a pledge
toggled, a count, a willingness or the US backstop changed), one after another, each posted
with every edit so far as `POST /api/whatif` with `--draws` draws, the next sent when the last
is answered. Prints p50 and p95 of the latency, of the server's CPU time per edit (from /proc,
Linux: the figure least disturbed by other load on a shared machine) and which parts each
answer could keep. The
baseline, measured in the same run on every `--baseline-every`-th edit list, is what the
same answer costs cold in this process: `apply_overrides` of the edited scenario, `plan` and
`stress` of it (no server, no HTTP). Asserts nothing (the machine is shared); prints the load.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from service import _cpu_seconds, _free_port, _wait_ready
from willing.forcegen import plan
from willing.robust.stress import stress
from willing.scenario import Scenario, apply_overrides, load_scenario
from willing.whatif import Edit, effective, overrides_of


def _serve(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    """`willing serve` with no users file: the single user is a coalition planner."""
    cmd = [sys.executable, "-c", "from willing.cli import main; main()", "--db",
           f"sqlite:///{tmp}/runs.db", "serve", "--port", str(port)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def session_edits(sc: Scenario, n: int, seed: int) -> list[list[dict[str, Any]]]:
    """The edit list after each of `n` random clicks: the panel's controls, as it sends them."""
    rng = random.Random(seed)
    nations, pledges = list(sc.spec.nations), [p.id for p in sc.pledges]
    controls: dict[tuple[str, str | None], Any] = {}
    out = []
    for _ in range(n):
        kind = rng.choice(["nation", "pledge", "count", "willingness", "backstop"])
        if kind in ("nation", "pledge"):
            key = (kind, rng.choice(nations if kind == "nation" else pledges))
            controls[key] = not controls.get(key, True)
        elif kind == "count":
            controls[(kind, rng.choice(pledges))] = rng.randint(0, 10)
        elif kind == "willingness":
            controls[(kind, rng.choice(nations))] = round(rng.random(), 2)
        else:
            controls[(kind, None)] = round(rng.random(), 2)
        out.append([{"kind": k, "target": t, "value": v} for (k, t), v in controls.items()
                    if v is not True])
    return out


def cold(sc: Scenario, edits: list[dict[str, Any]], draws: int) -> tuple[float, float]:
    """Wall and CPU seconds of the same answer computed cold: the edited scenario, its plan and
    stress."""
    t0, c0 = time.perf_counter(), time.process_time()
    eff = effective(sc, [Edit(e["kind"], e["value"], e["target"]) for e in edits])
    edited = apply_overrides(sc, overrides_of(sc, eff))
    plan(edited)
    stress(edited, draws=draws, seed=1)
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--baseline-every", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    sc = load_scenario("ukraine-2025", force_option="medium")
    steps = session_edits(sc, args.edits, args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="willing-bench-whatif-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(tmp, port)
    latencies: list[float] = []
    cpu: list[float] = []
    kept: dict[str, int] = {}
    loads = [os.getloadavg()[0]]
    try:
        _wait_ready(base, proc, timeout=300)  # a loaded machine starts it slowly
        with httpx.Client(base_url=base, timeout=120) as client:
            first = {"force_option": "medium", "edits": [], "draws": args.draws}
            t0 = time.perf_counter()
            client.post("/api/whatif", json=first).raise_for_status()  # builds the session
            warmup = time.perf_counter() - t0
            for edits in steps:  # one at a time: the server's CPU between two is this edit's
                cpu0, t0 = _cpu_seconds(proc.pid), time.perf_counter()
                res = client.post("/api/whatif", json={**first, "edits": edits})
                latencies.append(time.perf_counter() - t0)
                cpu.append(_cpu_seconds(proc.pid) - cpu0)
                res.raise_for_status()
                for part in res.json()["summary"]["reused"]:
                    kept[part] = kept.get(part, 0) + 1
            loads.append(os.getloadavg()[0])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    timed = [cold(sc, e, args.draws) for e in steps[::max(args.baseline_every, 1)]]
    baseline, baseline_cpu = [t for t, _ in timed], [c for _, c in timed]
    loads.append(os.getloadavg()[0])

    def p95(xs: list[float]) -> float:
        return statistics.quantiles(xs, n=100, method="inclusive")[94] if len(xs) > 1 else xs[0]

    print(f"{len(latencies)} what-if edits of ukraine-2025 (medium), {args.draws:,} draws each, "
          f"on {os.cpu_count()} cores, load average {', '.join(f'{x:.1f}' for x in loads)}")
    print(f"first request (builds the session): {warmup * 1000:.0f} ms")
    print(f"what-if  p50 {statistics.median(latencies) * 1000:.0f} ms · p95 "
          f"{p95(latencies) * 1000:.0f} ms · max {max(latencies) * 1000:.0f} ms")
    print(f"what-if server CPU per edit  p50 {statistics.median(cpu) * 1000:.0f} ms · p95 "
          f"{p95(cpu) * 1000:.0f} ms (the figure least disturbed by other load)")
    print(f"kept from earlier answers: {', '.join(f'{k} {v}' for k, v in sorted(kept.items()))} "
          f"(of {len(latencies)})")
    print(f"baseline (cold apply_overrides + plan + stress, {len(baseline)} of the edit lists): "
          f"p50 {statistics.median(baseline) * 1000:.0f} ms · p95 {p95(baseline) * 1000:.0f} ms; "
          f"CPU p50 {statistics.median(baseline_cpu) * 1000:.0f} ms · p95 "
          f"{p95(baseline_cpu) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
