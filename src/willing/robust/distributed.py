"""Run chunks of draws in-process, on a local process pool or on a Dask cluster.

Draws are cut into chunks of a fixed size, each with its own seed from
`numpy.random.SeedSequence(seed).spawn(n)`. A chunk's numbers depend only on its seed and
size, never on where it runs, and the statistics merged from chunks are integer counts, so
the same seed gives the same result on one core, `--workers N` or `--scheduler tcp://…`.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

import numpy as np

CHUNK = 1 << 16
"""Draws per chunk: large enough to amortise the matrix products, small enough for memory."""

R = TypeVar("R")
Progress = Callable[[int, int], None]
"""Called with (chunks done, chunks in all) as chunks finish."""


def chunks(draws: int, seed: int, size: int = CHUNK) -> list[tuple[np.random.SeedSequence, int]]:
    """Independent seeds and sizes of the chunks that make up `draws` draws."""
    if not isinstance(draws, int) or draws < 1:
        raise ValueError(f"draws must be a positive whole number, got {draws!r}")
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"chunk size must be a positive whole number, got {size!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, got {seed!r}")
    n = math.ceil(draws / size)
    seqs = np.random.SeedSequence(seed).spawn(n)
    return [(s, min(size, draws - i * size)) for i, s in enumerate(seqs)]


def execute(fn: Callable[..., R], tasks: Sequence[tuple[Any, ...]], *, workers: int | None = None,
            scheduler: str | None = None, progress: Progress | None = None) -> list[R]:
    """`[fn(*t) for t in tasks]`, in task order, wherever they run.

    The first element of each task is its model (shared by many tasks); on Dask each distinct
    model is scattered to the workers once instead of being shipped with every task.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    if workers is not None and scheduler is not None:
        raise ValueError("give either --workers (local processes) or --scheduler (Dask), not both")
    total = len(tasks)
    tick = progress or (lambda done, total: None)
    if scheduler is not None:
        return _dask(fn, tasks, scheduler, tick)
    if workers is None or workers == 1:
        out = []
        for i, t in enumerate(tasks):
            out.append(fn(*t))
            tick(i + 1, total)
        return out
    results: list[Any] = [None] * total
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(fn, *t): i for i, t in enumerate(tasks)}
        for done, fut in enumerate(as_completed(futures), start=1):
            results[futures[fut]] = fut.result()
            tick(done, total)
    return results


def _dask(fn: Callable[..., R], tasks: Sequence[tuple[Any, ...]], address: str,
          tick: Progress) -> list[R]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    _reachable(address)
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except OSError as exc:
        raise ValueError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        shared: dict[int, Any] = {}
        for t in tasks:
            if id(t[0]) not in shared:
                shared[id(t[0])] = client.scatter(t[0], broadcast=True)
        futures = [client.submit(fn, shared[id(t[0])], *t[1:], pure=False) for t in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(tasks)
        for done, fut in enumerate(dask_completed(futures, loop=client.loop), start=1):
            results[index[fut.key]] = fut.result()
            tick(done, len(tasks))
        return results


def _reachable(address: str) -> None:
    """Fail fast on a closed port (Dask's client would retry until its timeout)."""
    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "tcp") or ":" not in rest:
        return  # other transports (tls, inproc, ucx): let Dask judge
    host, _, port = rest.rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=5).close()
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
