"""Robust asks: the least-cost asks under which P(every requirement of the target met) ≥ P,
by a sample-average approximation (SAA) solved as one MILP with HiGHS, then checked on fresh
draws with the exact stress kernel (docs/asks.md, "Robust asks").

The candidates are whole units only (`Candidates.whole_units`): the kernel does not count
sub-units. The sample: `N` draws of who shows up (`robust.draws`: nations' willingness by the
copula, the US backstop, ceasefire, consent, mandate), drawn on the scenario with every
candidate ask appended, so that a candidate shows up exactly when its nation and its conditions do. The
stress kernel sorts the draws into three kinds: met by the pledges alone (no ask needed), not
met even with every candidate granted in full (no ask helps), and the *swing* draws between.
Only the swing draws enter the MILP, one per distinct availability pattern with its weight.

The MILP, with y[k,j] the units of candidate k asked for target requirement j (first stage,
shared by every draw), z[u] = 1 when pattern u meets the whole target, and f[c,j,u] the units
pledge class c (pledges with the same key and compatible requirements, as in the kernel) sends
to j in pattern u:

    Σ_j f[c,j,u] ≤ supply[c]                                   (each available class)
    Σ_c f[c,j,u] + Σ_{k available in u} y[k,j] ≥ demand[j]·z[u]  (each target requirement)
    Σ_j use[k,j]·y[k,j] ≤ spare[k],  Σ_{k of n} personnel·y[k,j] ≤ room[n]
    Σ_u weight[u]·z[u] + t ≥ ⌈(P + margin)·N⌉ − (draws met without asks)

minimising first the shortfall t (0 when P is reachable within the ceilings), then the asks'
cost. A requirement's demand times z[u] needs no big-M: with z[u] = 0 the row is empty. The
margin is one standard error of P at N draws, so that the asks hold on fresh draws.

An ask is a unit asked for one requirement, as the output lists it; written back as a pledge
for the requirement's region (`apply.ask_pledges`) it may serve any requirement there, so the
check can only find P higher than the sample's for the same draws, never lower.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from willing.asks.apply import ask_pledges, with_pledges
from willing.asks.candidates import Candidates
from willing.asks.model import TARGETS
from willing.asks.rows import ASK_COLUMNS, ask_row
from willing.forcegen.arrays import FloatArray, IntArray, requirement_arrays
from willing.forcegen.highs import StageInfo, new_highs, pass_model, run_stage
from willing.robust import stress
from willing.robust.draws import Assumptions, availability, draw_model, sample
from willing.robust.kernel import Transport, compile_kernel
from willing.robust.stress import transport
from willing.scenario.scenario import Scenario

SAMPLE_DRAWS = 1_000
"""N, the draws of the sample the MILP is written on."""
CHECK_DRAWS = 20_000
"""Fresh draws (seed + 1) on which the asks' P is measured."""


@dataclass(frozen=True)
class Sample:
    """The sample sorted by the kernel: swing patterns, and counts of the other draws."""

    draws: int
    met_alone: int  # draws met by the pledges without asks
    met_with_all: int  # draws met with every candidate granted (ceilings aside)
    patterns: FloatArray  # swing patterns × keys, 0/1
    weight: IntArray  # draws of each swing pattern


def robust_asks(scenario: Scenario, state: str, cands: Candidates, base: pd.DataFrame,
                target: str, p_target: float, *, seed: int = 1, command: str = "willing asks",
                time_limit: float = 60.0, sample_draws: int = SAMPLE_DRAWS,
                check_draws: int = CHECK_DRAWS) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The deterministic asks `base` and the cheapest asks added to them with P(target met) ≥
    `p_target` on a sample of `sample_draws`, checked on `check_draws` fresh draws (seed + 1).

    Keeping `base` keeps what the deterministic asks promise (the target met when everyone
    shows up, whenever it can be); where P cannot reach `p_target`, the asks reach the highest
    P the sample allows within the ceilings.
    """
    t0 = time.perf_counter()
    first = len(scenario.pledges)
    aug = with_pledges(scenario, cands.pledges)
    tp, reqs = transport(aug, state)
    dm = draw_model(aug, state, Assumptions.of(scenario))
    tiers = tp.tier <= TARGETS[target]
    drawn = sample(dm, np.random.default_rng(seed), sample_draws)
    smp = _sample(tp, dm.pledge_key, dm.n_keys, first, tiers, drawn.avail)
    margin = math.sqrt(p_target * (1.0 - p_target) / sample_draws)
    need = math.ceil((p_target + margin) * sample_draws - 1e-9) - smp.met_alone
    enduring = requirement_arrays(aug, reqs).enduring
    floor = np.zeros((len(cands.pledges), len(reqs)))
    k_of = {p.id: k for k, p in enumerate(cands.pledges)}
    j_of = {r.id: j for j, r in enumerate(reqs)}
    for cand, rid, units in zip(base["candidate"], base["requirement"], base["units"],
                                strict=True):
        floor[k_of[str(cand)], j_of[str(rid)]] += float(units)
    y, info = _solve(scenario, tp, enduring, dm.pledge_key, first, tiers, cands, smp, floor,
                     max(need, 0), time_limit)
    table = pd.DataFrame([ask_row(scenario, cands, int(k), reqs[j], int(y[k, j]),
                                  bool(enduring[j]))
                          for k, j in zip(*np.nonzero(y > 0.5), strict=True)],
                         columns=ASK_COLUMNS)
    pledges = ask_pledges(scenario, table, {p.id: p for p in cands.pledges}, command)
    asked = with_pledges(scenario, pledges)
    tp_asked, _ = transport(asked, state)
    dm_asked = draw_model(asked, state, Assumptions.of(scenario))
    p_sample = float(_target_met(tp_asked, dm_asked.pledge_key, dm_asked.n_keys, tiers,
                                 availability(dm_asked, drawn.present, drawn.globals)).mean())
    key = "p_essential_met" if target == "essential" else "p_all_met"
    check = float(stress(asked, state, draws=check_draws, seed=seed + 1).summary[key])
    upper = float(stress(aug, state, draws=check_draws, seed=seed + 1).summary[key])
    half = 1.96 * math.sqrt(max(check * (1 - check), 1e-12) / check_draws)
    return table, {
        "p_target": p_target, "measure": key,
        "method": "sample-average approximation (MILP, HiGHS), checked on fresh draws",
        "sample_draws": sample_draws, "sample_seed": seed, "margin": margin,
        "swing_patterns": len(smp.weight), "p_sample_alone": smp.met_alone / smp.draws,
        "p_sample_every_spare_unit": smp.met_with_all / smp.draws, "p_sample": p_sample,
        "solver_status": info.status,
        "mip_gap": info.mip_gap if np.isfinite(info.mip_gap) else None,
        "p_check": check, "ci95": [max(check - half, 0.0), min(check + half, 1.0)],
        "check_draws": check_draws, "check_seed": seed + 1,
        "p_every_spare_unit": upper, "reached": check + half >= p_target,
        "seconds": round(time.perf_counter() - t0, 2)}


def _target_met(tp: Transport, pledge_key: IntArray, n_keys: int, tiers: np.ndarray,
                avail: FloatArray) -> np.ndarray:
    """Per draw: whether the kernel fills every unit of the target tiers."""
    k = compile_kernel(tp, pledge_key, n_keys, draws=len(avail))
    top = int(tp.tier[tiers].max()) if tiers.any() else 0
    filled = k.tier_flows(k.evaluate(avail).flows)[top]
    return filled >= float(tp.tier_demand()[top]) - 0.5


def _sample(tp: Transport, pledge_key: IntArray, n_keys: int, first: int, tiers: np.ndarray,
            avail: FloatArray) -> Sample:
    """Sort `avail` (draws × keys) into met alone, never met, and swing patterns."""
    alone = replace(tp, supply=np.where(np.arange(len(tp.supply)) < first, tp.supply, 0))
    met_alone = _target_met(alone, pledge_key, n_keys, tiers, avail)
    met_all = _target_met(tp, pledge_key, n_keys, tiers, avail)
    swing = met_all & ~met_alone
    pats, weight = (np.unique(avail[swing], axis=0, return_counts=True) if swing.any()
                    else (np.zeros((0, n_keys), dtype=avail.dtype), np.zeros(0, dtype=np.int64)))
    return Sample(len(avail), int(met_alone.sum()), int(met_all.sum()), pats,
                  weight.astype(np.int64))


def _solve(scenario: Scenario, tp: Transport, enduring: np.ndarray, pledge_key: IntArray,
           first: int, tiers: np.ndarray, cands: Candidates, smp: Sample, floor: FloatArray,
           need: int, time_limit: float) -> tuple[FloatArray, StageInfo]:
    """The SAA MILP (module docstring), y at least `floor` (candidates × requirements);
    returns y and the cost stage's solver info."""
    n_req = len(tp.demand)
    target = np.nonzero(tiers & (tp.demand > 0))[0]
    comp = tp.compatible[:, target]
    # pledge classes: the pledges' own (not candidates) with the same key and compatibility
    own = np.nonzero((np.arange(len(tp.supply)) < first) & (tp.supply > 0) & comp.any(axis=1))[0]
    sig = np.column_stack([pledge_key[own], comp[own]]).astype(np.int64)
    cls_rows, cls_of = (np.unique(sig, axis=0, return_inverse=True) if len(own)
                        else (np.zeros((0, 1 + len(target)), dtype=np.int64), np.zeros(0, int)))
    cls_supply = np.bincount(cls_of.ravel(), weights=tp.supply[own], minlength=len(cls_rows))
    cls_key, cls_comp = cls_rows[:, 0], cls_rows[:, 1:].astype(bool)
    # first-stage columns: y[k, j] for candidate k compatible with target requirement j
    yk, yj = np.nonzero(comp[first:])
    ny = len(yk)
    cost_k = cands.unit_cost + cands.political
    cols_cost = [cost_k[yk]]
    col_hi = [tp.demand[target][yj].astype(float)]
    rows: list[tuple[IntArray, IntArray, FloatArray]] = []
    lo: list[float] = []
    hi: list[float] = []
    n_col, n_row = ny, 0

    def add_rows(r: IntArray, c: IntArray, v: FloatArray, rlo: FloatArray, rhi: FloatArray) -> None:
        nonlocal n_row
        rows.append((r + n_row, c, v))
        lo.extend(rlo.tolist())
        hi.extend(rhi.tolist())
        n_row += len(rlo)

    # pool: Σ_j use·y ≤ spare (`rotation` pool units per unit on an enduring requirement);
    # personnel: Σ_{k of n} ppu·y ≤ room
    rot = np.array([p.rotation for p in cands.pledges])
    use = np.where(enduring[target][yj], rot[yk], 1.0)
    add_rows(yk, np.arange(ny), use, np.full(len(cands.pledges), -np.inf),
             np.array([float(p.count) for p in cands.pledges]))
    nations = sorted(cands.room)
    n_of = np.array([nations.index(p.nation) for p in cands.pledges], dtype=np.int64)
    ppu = np.array([scenario.catalogue[p.capability].personnel_per_unit for p in cands.pledges],
                   dtype=float)
    add_rows(n_of[yk], np.arange(ny), ppu[yk], np.full(len(nations), -np.inf),
             np.array([cands.room[n] for n in nations]))
    cand_key = pledge_key[first:]
    z_cols = []
    for pat in smp.patterns:
        on = pat[cls_key] > 0.5
        ci, cj = np.nonzero(cls_comp & on[:, None])
        f0 = n_col
        n_col += len(ci)
        z = n_col
        n_col += 1
        z_cols.append(z)
        cols_cost.append(np.zeros(len(ci) + 1))
        col_hi.append(np.append(np.full(len(ci), np.inf), 1.0))
        # supply of each available class
        live, row = np.unique(ci, return_inverse=True)
        add_rows(row.ravel(), f0 + np.arange(len(ci)), np.ones(len(ci)),
                 np.full(len(live), -np.inf), cls_supply[live].astype(float))
        # demand of each target requirement: flows + available asks − demand·z ≥ 0
        ya = np.nonzero(pat[cand_key[yk]] > 0.5)[0]
        add_rows(np.concatenate([cj, yj[ya], np.arange(len(target))]),
                 np.concatenate([f0 + np.arange(len(ci)), ya, np.full(len(target), z)]),
                 np.concatenate([np.ones(len(ci) + len(ya)), -tp.demand[target].astype(float)]),
                 np.zeros(len(target)), np.full(len(target), np.inf))
    t_col = n_col
    n_col += 1
    cols_cost.append(np.zeros(1))
    col_hi.append(np.array([float(need)]))
    zc = np.array(z_cols, dtype=np.int64)
    add_rows(np.zeros(len(zc) + 1, dtype=np.int64), np.append(zc, t_col),
             np.append(smp.weight.astype(float), 1.0), np.array([float(need)]),
             np.array([np.inf]))
    r = np.concatenate([x[0] for x in rows])
    c = np.concatenate([x[1] for x in rows])
    v = np.concatenate([x[2] for x in rows])
    a = sp.csr_matrix((v, (r, c)), shape=(n_row, n_col))
    cost = np.concatenate(cols_cost)
    col_lo = np.zeros(n_col)
    col_lo[:ny] = floor[yk, target[yj]]
    integer = np.zeros(n_col, dtype=bool)
    integer[:ny] = True
    integer[zc] = True
    h = new_highs(time_limit, 1e-6)
    pass_model(h, np.zeros(n_col), a, np.array(lo), np.array(hi), col_lo,
               np.concatenate(col_hi), integer)
    deadline = time.perf_counter() + time_limit
    start = col_lo.copy()  # the deterministic asks, no draw counted met: feasible
    start[t_col] = float(need)
    shortfall = np.zeros(n_col)
    shortfall[t_col] = 1.0
    _, start = run_stage(h, "robust-shortfall", start, deadline, shortfall, integral=True)
    h.changeColBounds(t_col, 0.0, float(np.round(start[t_col])))
    info, sol = run_stage(h, "robust-cost", start, deadline, cost)
    y = np.zeros((len(cands.pledges), n_req))
    y[yk, target[yj]] = np.round(sol[:ny])
    return y, info
