"""Timing shared by the benchmarks: the least wall time of repeated calls.

The machines are shared and noisy (2 cores), so the minimum of a few runs is the figure least
disturbed by other load; every benchmark prints ratios against a baseline timed the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def best(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Least wall time of `repeat` calls of `fn` (at least one), and the last call's result."""
    times: list[float] = []
    out: T
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out
