"""HiGHS through highspy: one model passed as arrays, one stage run, and a check of a
solution against the model itself (which a warm start on HiGHS 1.16 made necessary)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
import scipy.sparse as sp

from willing.forcegen.arrays import FloatArray

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kTimeLimit: "time-limit",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kSolutionLimit: "solution-limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
}


@dataclass
class StageInfo:
    """One stage: its objective and gap are those of the stage's own problem (`scope`)."""

    name: str
    status: str
    objective: float
    mip_gap: float
    seconds: float
    scope: str = ""  # what the stage's problem holds fixed, when more than the stages before
    bound: float = float("nan")  # the best lower bound proven (rounded up when integral)

    def with_bound(self, bound: float, mip_rel_gap: float) -> StageInfo:
        """This stage given a lower bound proven elsewhere (the larger of the two holds)."""
        if not np.isfinite(bound) or (np.isfinite(self.bound) and bound <= self.bound):
            return self
        gap = relative_gap(self.objective, bound)
        status = "optimal" if gap <= mip_rel_gap else self.status
        return replace(self, bound=bound, mip_gap=gap, status=status)


def new_highs(time_limit: float, mip_rel_gap: float) -> highspy._core._Highs:
    """A silent HiGHS instance with the time limit and relative gap of a plan."""
    # The low-level class: `highspy.Highs()` prints a banner on stdout, which would corrupt
    # `--json` output before any option can silence it.
    h = highspy._core._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", 2)
    return h


def pass_model(h: highspy._core._Highs, cost: FloatArray, a: sp.spmatrix, row_lo: FloatArray,
               row_hi: FloatArray, col_lo: FloatArray, col_hi: FloatArray,
               integer: np.ndarray) -> None:
    """Load min cost·v, row_lo ≤ a·v ≤ row_hi, col_lo ≤ v ≤ col_hi (integer where flagged)."""
    a = sp.csc_matrix(a)
    a.sort_indices()
    status = h.passModel(
        a.shape[1], a.shape[0], a.nnz, 1, 1, 0.0,
        np.ascontiguousarray(cost, dtype=np.float64),
        np.ascontiguousarray(col_lo, dtype=np.float64), np.ascontiguousarray(col_hi, dtype=np.float64),
        np.ascontiguousarray(row_lo, dtype=np.float64), np.ascontiguousarray(row_hi, dtype=np.float64),
        a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.astype(np.float64),
        np.ascontiguousarray(integer, dtype=np.int32),
    )
    if status == highspy.HighsStatus.kError:  # pragma: no cover - a bug in the build, not input
        raise RuntimeError("HiGHS refused the force-generation model")


def pass_names(h: highspy._core._Highs, cols: list[str], rows: list[str]) -> None:
    """Name the first columns and rows of the model loaded in `h` (model files and logs then
    say `demand[req-12]`, not `r1234`)."""
    for i, name in enumerate(cols):
        h.passColName(i, name)
    for i, name in enumerate(rows):
        h.passRowName(i, name)


INTEGRAL_ABS_GAP = 1.0 - 1e-6
"""Absolute gap at which a stage with an integral objective is proven: no integer lies
between a bound of 8.1 and a plan of 9, so HiGHS may stop there (it does not always see
this itself; its default absolute gap is 1e-6)."""


def run_stage(h: highspy._core._Highs, name: str, start: np.ndarray, deadline: float,
              cost: FloatArray, warm: bool = True, integral: bool = False,
              abs_gap: float | None = None) -> tuple[StageInfo, np.ndarray]:
    """One stage: new costs, the time left and (if `warm`) a warm start. Returns the best
    solution known: the start when the solver found nothing in time. `integral` says the
    objective takes integer values only, so its bound rounds up (`INTEGRAL_ABS_GAP`);
    `abs_gap` sets another absolute gap at which HiGHS may stop."""
    t = time.perf_counter()
    h.setOptionValue("time_limit", max(deadline - t, 0.01))
    if abs_gap is None:
        abs_gap = INTEGRAL_ABS_GAP if integral else 1e-6
    h.setOptionValue("mip_abs_gap", abs_gap)
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32),
                     np.ascontiguousarray(cost, dtype=np.float64))
    h.clearSolver()
    if warm:
        hs = highspy.HighsSolution()
        hs.col_value = start.tolist()
        hs.value_valid = True
        h.setSolution(hs)
    h.run()
    status = _STATUS.get(h.getModelStatus(), str(h.getModelStatus()))
    info = h.getInfo()
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    sol = np.asarray(h.getSolution().col_value) if has else start
    objective = float(info.objective_function_value) if has else float(cost @ start)
    if warm and has and abs(objective - float(cost @ sol)) > 1e-6 * (1.0 + abs(objective)):
        # HiGHS 1.16, after a row-bound change and a warm start on a re-used MIP, has reported
        # an objective (and bound) that its own solution does not have; caught by
        # tests/test_forcegen_exact.py. Never trust such a result: solve the stage cold.
        cold_info, cold = run_stage(h, name, start, deadline, cost, warm=False, integral=integral,
                                    abs_gap=abs_gap)
        mine = float(cost @ sol)
        if cold_info.status != "optimal" and mine < cold_info.objective - 1e-9 and feasible(h, sol):
            # the cold solve ran out of time behind it: keep the warm solution, checked here
            # against every row and bound; its gap is against 0 (the warm bound is not trusted)
            return StageInfo(name, "time-limit", mine, 1.0 if mine > 0 else 0.0,
                             time.perf_counter() - t, bound=0.0), sol
        return cold_info, cold
    bound = float(info.mip_dual_bound) if info.mip_node_count >= 0 else float("nan")
    if status == "optimal" and not np.isfinite(bound):
        bound = objective  # a stage without integer columns is an LP: optimal means no gap
    if np.all(cost >= 0):  # every column is ≥ 0 in this model, so 0 bounds such a stage
        bound = max(bound, 0.0) if np.isfinite(bound) else 0.0
    if integral and np.isfinite(bound):
        bound = float(np.ceil(bound - 1e-6))
    return StageInfo(name, status, objective, relative_gap(objective, bound),
                     time.perf_counter() - t, bound=bound), sol


def relative_gap(objective: float, bound: float) -> float:
    """(objective − bound) / |objective|, HiGHS' definition; inf without a bound."""
    if not np.isfinite(bound):
        return float("inf")
    if objective - bound <= 1e-9 * (1.0 + abs(objective)):
        return 0.0
    return (objective - bound) / max(abs(objective), 1e-9)


def feasible(h: highspy._core._Highs, v: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether `v` satisfies the model now loaded in `h` — rows, bounds, integrality — computed
    here from the model's own matrix, not from what the solver reports."""
    lp = h.getLp()
    am = lp.a_matrix_
    a = sp.csc_matrix((np.asarray(am.value_), np.asarray(am.index_), np.asarray(am.start_)),
                      shape=(lp.num_row_, lp.num_col_))
    act = a @ v
    lo, hi = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    clo, chi = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    integer = np.asarray([int(i) for i in lp.integrality_], dtype=int) == 1
    if not integer.size:
        integer = np.zeros(len(v), dtype=bool)
    slack = tol * (1.0 + np.abs(act))
    return bool(np.all(act >= lo - slack) and np.all(act <= hi + slack)
                and np.all(v >= clo - tol) and np.all(v <= chi + tol)
                and np.all(np.abs(v[integer] - np.round(v[integer])) <= tol))
