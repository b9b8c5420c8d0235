"""Build-up kernel against a straightforward SimPy model of the same flows.

    python bench/buildup.py [--units 5000] [--days 365] [--entry-points 10] [--repeat 3]

Both implementations follow the queue discipline stated in `willing.buildup` (units by
priority, required-by day, ready day; entry points in turn; each gives its daily capacity to
the ready units it serves in queue order), in whole people and kilograms, so they must give
the same closure day for every unit; the script checks that and prints the timings and their
ratio, measured in the same run. `simpy_flow` is also the reference the tests compare with.
"""

from __future__ import annotations

import argparse
import bisect
import time

import numpy as np
import simpy

from willing.buildup import Movement, closure_days, simulate


def synthetic_movement(units: int = 5000, entry_points: int = 10, regions: int = 6,
                       days: int = 365, seed: int = 0) -> Movement:
    """Random flows sized so that the build-up lasts most of `days`.

    Units: people 12–650 and 10–4,000 t like the catalogue; readiness 0–90 days; each region
    served by 2–3 entry points. Capacities are set so that the total load takes ~80 % of the
    horizon to move, which keeps every queue busy for most of the year.
    """
    rng = np.random.default_rng(seed)
    region = rng.integers(0, regions, units)
    serves = np.zeros((regions, entry_points), dtype=bool)
    for r in range(regions):
        serves[r, rng.choice(entry_points, size=rng.integers(2, 4), replace=False)] = True
    people = rng.choice([12, 20, 100, 120, 200, 300, 450, 500, 600, 650], units)
    kg = (people * rng.uniform(0.8, 6.0, units) * 1000).astype(np.int64)
    ready = np.sort(rng.integers(0, 90, units))
    rng.shuffle(ready)  # queue order is by priority, not by readiness
    load = np.array([people.sum(), kg.sum()], dtype=float)
    share = rng.uniform(0.5, 1.5, entry_points)
    capacity = (load[:, None] * share[None, :] / share.sum() / (0.8 * days)).astype(np.int64)
    return Movement(ready=ready.astype(np.int64), need=np.vstack([people, kg]).astype(np.int64),
                    eligible=serves[region], capacity=capacity)


def simpy_flow(mv: Movement, horizon: int) -> np.ndarray:
    """Done day per resource and unit (2 × U, −1 if not within horizon), by discrete events.

    One process per unit waits for its ready day and then joins the waiting line of each
    entry point it may use; a movement-control process acts at the middle of each day (so
    that every unit ready that day has joined) and lets each entry point in turn give its
    capacity to its waiting line in queue order.
    """
    env = simpy.Environment()
    n_units, n_eps = mv.eligible.shape
    need = mv.need.astype(np.int64).copy()
    done = np.full((2, n_units), -1, dtype=np.int64)
    lines: list[list[int]] = [[] for _ in range(n_eps)]
    routes = [np.nonzero(mv.eligible[i])[0].tolist() for i in range(n_units)]

    def unit(i: int):  # type: ignore[no-untyped-def]
        yield env.timeout(int(mv.ready[i]))
        for res in (0, 1):
            if need[res, i] == 0:
                done[res, i] = int(mv.ready[i])
        for e in routes[i]:
            bisect.insort(lines[e], i)

    def movement_control():  # type: ignore[no-untyped-def]
        yield env.timeout(0.5)
        while env.now < horizon:
            day = int(env.now)
            for e in range(n_eps):
                for res in (0, 1):
                    left = int(mv.capacity[res, e])
                    for i in lines[e]:
                        if left == 0:
                            break
                        take = min(int(need[res, i]), left)
                        if take:
                            need[res, i] -= take
                            left -= take
                            if need[res, i] == 0:
                                done[res, i] = day
                lines[e] = [i for i in lines[e] if need[0, i] or need[1, i]]
            yield env.timeout(1)

    for i in range(n_units):
        env.process(unit(i))
    env.process(movement_control())
    env.run(until=horizon)
    return done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--entry-points", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    mv = synthetic_movement(args.units, args.entry_points, days=args.days)
    best_np = best_sp = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        flow, _ = simulate(mv, args.days)
        best_np = min(best_np, time.perf_counter() - t0)
        t0 = time.perf_counter()
        done_sp = simpy_flow(mv, args.days)
        best_sp = min(best_sp, time.perf_counter() - t0)
    ours = closure_days(flow)
    theirs = np.where((done_sp >= 0).all(axis=0), done_sp.max(axis=0), -1)
    same = bool(np.array_equal(ours, theirs) and np.array_equal(flow.done, done_sp))
    closed = ours[ours >= 0]
    print(f"build-up: {args.units:,} units × {args.days} days × {args.entry_points} entry points "
          f"(best of {args.repeat})")
    last = closed.max() if len(closed) else "—"
    print(f"  closed within horizon   {len(closed):,} units, last on day {last}")
    print(f"  vectorised (NumPy)      {best_np:8.3f} s")
    print(f"  SimPy discrete events   {best_sp:8.3f} s")
    print(f"  ratio SimPy / NumPy     {best_sp / best_np:8.1f} ×")
    print(f"  same closure days       {same}")
    if not same:
        raise SystemExit("the two implementations disagree")


if __name__ == "__main__":
    main()
