"""Runs started from the browser: computed in a background thread, progress polled by the page.

A job records its progress (0..1) and a message as it goes; when it ends it has stored its run
in the store and names the run's id, or it names the error. Jobs live in memory: a restarted
server forgets running jobs but not the runs they stored.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from willing.forcegen import plan
from willing.report import bundle
from willing.scenario import ScenarioError, load_scenario
from willing.store import Store, jsonable

Progress = Callable[[float, str], None]


@dataclass
class Job:
    id: str
    kind: str
    params: dict[str, Any]
    owner: str
    status: str = "queued"  # queued → running → done | failed
    progress: float = 0.0
    message: str = "queued"
    run_id: int | None = None
    error: str | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "params": self.params, "status": self.status,
                "progress": round(self.progress, 3), "message": self.message,
                "run_id": self.run_id, "error": self.error,
                "seconds": round((self.finished or time.time()) - self.started, 2)}


def stress_available() -> bool:
    try:
        from willing import robust
    except ImportError:
        return False
    return hasattr(robust, "stress")


class LimitExceeded(Exception):
    """A job refused because the queue, or its owner's share of it, is full (HTTP 429)."""


ACTIVE = ("queued", "running")
KEPT_FINISHED = 1000
"""Finished jobs remembered for their status (the oldest are forgotten; their runs stay stored)."""


class Jobs:
    """A small thread pool of jobs (2 workers: the machine the service targets has 2 cores)
    behind a bounded queue: at most `max_queued` jobs queued or running at once."""

    def __init__(self, store: Store, on_bundle: Callable[[int, dict[str, Any]], None],
                 workers: int = 2, max_queued: int = 8) -> None:
        self.store = store
        self.on_bundle = on_bundle
        self.max_queued = max_queued
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="willing-job")

    def start(self, kind: str, params: dict[str, Any], owner: str, max_active: int = 1) -> Job:
        """Queue a job, unless the queue holds `max_queued` jobs or `owner` has `max_active`."""
        if kind == "stress" and not stress_available():
            raise ValueError("stress runs need willing.robust, which this build does not have")
        if kind not in KINDS:
            raise ValueError(f"unknown job kind '{kind}'; valid: {', '.join(KINDS)}")
        job = Job(uuid.uuid4().hex[:12], kind, params, owner)
        with self.lock:
            active = [j for j in self.jobs.values() if j.status in ACTIVE]
            if len(active) >= self.max_queued:
                raise LimitExceeded(f"the job queue is full ({len(active)} jobs queued or "
                                    "running); retry when one has finished")
            mine = sum(j.owner == owner for j in active)
            if mine >= max_active:
                raise LimitExceeded(f"{owner} has {mine} job(s) queued or running, the most "
                                    f"their role may have at once ({max_active}); retry when "
                                    "one has finished")
            self._forget_finished()
            self.jobs[job.id] = job
        self.pool.submit(self._run, job)
        return job

    def _forget_finished(self) -> None:
        finished = [k for k, j in self.jobs.items() if j.status not in ACTIVE]
        for k in finished[:max(0, len(finished) - KEPT_FINISHED + 1)]:
            del self.jobs[k]

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: Job) -> None:
        def progress(fraction: float, message: str) -> None:
            job.progress, job.message = max(job.progress, min(fraction, 1.0)), message

        job.status = "running"
        try:
            t0 = time.perf_counter()
            job.run_id = KINDS[job.kind](self.store, job.params, progress, self.on_bundle)
            job.status, job.progress = "done", 1.0
            job.message = f"run {job.run_id} stored in {time.perf_counter() - t0:.1f} s"
        except ScenarioError as exc:
            job.status, job.error = "failed", "; ".join(p.render(exc.file) for p in exc.problems)
        except Exception as exc:  # a job's failure is reported to the page, never lost
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            job.finished = time.time()
            job.message = job.error or job.message


def _plan(store: Store, p: dict[str, Any], progress: Progress,
          on_bundle: Callable[[int, dict[str, Any]], None]) -> int:
    progress(0.05, "loading the scenario")
    sc = load_scenario(p.get("scenario"), force_option=p.get("force_option"))
    t0 = time.perf_counter()
    progress(0.15, f"planning state {p.get('state') or sc.default_state} (HiGHS)")
    result = plan(sc, p.get("state"), time_limit=float(p.get("time_limit", 60.0)))
    progress(0.5, "storing the run")
    payload = jsonable(result.to_dict())
    run_id = store.add("plan", payload, scenario=sc,
                       params={"states": [result.state], "force_option": sc.force_option,
                               "source": "web"},
                       seconds=time.perf_counter() - t0,
                       timings={"solve_seconds": result.solver.solve_seconds})
    progress(0.6, "build-up, command structure and the other analyses")
    b = bundle.complete(sc, result, {"plan": payload}, store)
    b["run"] = store.get(run_id).header()
    on_bundle(run_id, b)
    return run_id


def _stress(store: Store, p: dict[str, Any], progress: Progress,
            _on_bundle: Callable[[int, dict[str, Any]], None]) -> int:
    """Stress the plan, then rank the nations (pivotal values), storing both runs."""
    from willing.robust import pivotal, stress

    progress(0.02, "loading the scenario")
    sc = load_scenario(p.get("scenario"), force_option=p.get("force_option"))
    state = p.get("state") or sc.default_state
    draws = int(p.get("draws", 20000))
    t0 = time.perf_counter()
    r = stress(sc, state, draws=draws, progress=lambda done, total: progress(
        0.05 + 0.65 * done / max(total, 1), f"{done:,} of {total:,} draws"))
    stress_id = store.add("stress", jsonable(r.to_dict()), scenario=sc,
                          params={"state": state, "draws": draws, "seed": r.seed,
                                  "force_option": sc.force_option, "source": "web"},
                          seconds=time.perf_counter() - t0)
    t1 = time.perf_counter()
    progress(0.7, "pivotal nations (Shapley and Banzhaf values)")
    pv = pivotal(sc, state, permutations=PIVOTAL_SAMPLES, samples=PIVOTAL_SAMPLES,
                 progress=lambda done, total: progress(0.7 + 0.25 * done / max(total, 1),
                                                       "pivotal nations"))
    store.add("pivotal", jsonable(pv.to_dict()), scenario=sc,
              params={"state": state, "permutations": PIVOTAL_SAMPLES, "samples": PIVOTAL_SAMPLES,
                      "seed": pv.seed, "force_option": sc.force_option, "source": "web"},
              seconds=time.perf_counter() - t1)
    return stress_id


def _timeline(store: Store, p: dict[str, Any], progress: Progress,
              _on_bundle: Callable[[int, dict[str, Any]], None]) -> int:
    """Coverage as of each month of the public ledger, from its first day to today (the
    defaults of `willing timeline`), stored as a timeline run."""
    from willing.timeline import FIRST_DAY, timeline

    progress(0.02, "loading the scenario")
    sc = load_scenario(p.get("scenario"), force_option=p.get("force_option"))
    end, draws = date.today(), int(p.get("draws", 10_000))
    t0 = time.perf_counter()
    r = timeline(p.get("scenario"), FIRST_DAY, end, state=p.get("state"),
                 force_option=p.get("force_option"), draws=draws,
                 progress=lambda done, total: progress(0.05 + 0.9 * done / max(total, 1),
                                                       f"{done} of {total} dates"))
    return store.add("timeline", jsonable(r.to_dict()), scenario=sc,
                     params={"state": r.state, "force_option": r.force_option,
                             "from": FIRST_DAY.isoformat(), "to": end.isoformat(),
                             "step": "month", "draws": draws, "seed": 1, "source": "web"},
                     seconds=time.perf_counter() - t0)


KINDS: dict[str, Callable[[Store, dict[str, Any], Progress,
                           Callable[[int, dict[str, Any]], None]], int]] = {
    "plan": _plan, "stress": _stress, "timeline": _timeline}
"""What each kind of job runs; it returns the id of the run it stored."""

PIVOTAL_SAMPLES = 1000
"""Sampled orders and coalitions for the pivotal values of a web stress run (assumption: standard
errors near 1e-4 of coverage on the packaged scenario, well below the gaps between nations)."""


__all__ = ["Job", "Jobs", "LimitExceeded", "stress_available"]
