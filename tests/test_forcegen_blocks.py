"""Every registered block of the force-generation MILP, checked against a hand-derived model.

`CHECKS` holds one check per block; `test_every_block_has_a_check` fails when a block is
registered without one, so a block cannot enter the model untested. The built blocks are
read back by their HiGHS names on a tiny scenario whose rows are written out here by hand;
the rows the solver adds between stages are checked by what they keep in a plan.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import highspy
import numpy as np
import pytest

import willing
from test_forcegen import land, nation, pledge, req, scenario
from willing.forcegen.blocks import (
    CONSTRAINT_BLOCKS,
    STAGES,
    VARIABLES,
    WHOLE_MODEL,
    ConstraintBlock,
    ModelIndex,
    Rows,
    register,
    registered,
)
from willing.forcegen.model import ForceModel, write_model
from willing.forcegen.plan import build_model
from willing.forcegen.solve import FAIR_SHARE_SCOPE

INF = np.inf
PERSONNEL = 600.0  # an infantry battalion's personnel in the packaged catalogue


def tiny() -> ForceModel:
    """LAND needs 4 enduring infantry battalions. GBR (lead) pledges 7 at rotation 2: 3 whole
    units deployable, not 3.5, so its rotation floor binds; FRA (lead) 3 at rotation 1; POL
    (member, not HQ-capable) 9 at rotation 3. The lead share is 30 %."""
    sc = scenario(mission_lines=land(req(count=4)),
                  nations={"GBR": nation(pledge(7, rotation=2)),
                           "FRA": nation(pledge(3, rotation=1)),
                           "POL": nation(pledge(9), tier="member", hq=False)})
    assert sc.catalogue["infantry-battalion"].personnel_per_unit == PERSONNEL
    return build_model(sc, "calm").fm


@pytest.fixture(scope="module")
def fm() -> ForceModel:
    return tiny()


Row = tuple[float, float, dict[str, float]]


def rows_of(fm: ForceModel, block: str) -> dict[str, Row]:
    """Each row of a block by its name: its bounds and its terms by column name."""
    a = fm.milp.a.tocsr()
    out = {}
    for r in fm.milp.rows(block):
        terms = {fm.col_names[c]: round(float(v), 9)
                 for c, v in zip(a.indices[a.indptr[r]:a.indptr[r + 1]],
                                 a.data[a.indptr[r]:a.indptr[r + 1]], strict=True)}
        out[fm.row_names[r]] = (float(fm.milp.row_lo[r]), float(fm.milp.row_hi[r]), terms)
    return out


NATIONS = ("GBR", "FRA", "POL")
X = {n: f"x[{n}-1,inf]" for n in NATIONS}
LEADS = ("GBR", "FRA")  # HQ-capable and willing; POL is not HQ-capable


def _shares() -> dict[str, float]:
    """Fair shares by GDP among the three (all contribute), from the packaged figures."""
    sc = willing.load_scenario()
    gdp = {n: sc.figures[n].gdp_usd_bn for n in NATIONS}
    return {n: gdp[n] / sum(gdp.values()) for n in NATIONS}


def _big_m() -> float:
    return 0.3 * 4 * PERSONNEL + 1.0  # s · (demand × heaviest unit) + 1


EXPECTED_ROWS: dict[str, Callable[[], dict[str, Row]]] = {
    "pledge_capacity": lambda: {  # a = rotation on enduring demand
        "pledge_capacity[GBR-1]": (-INF, 7.0, {X["GBR"]: 2.0}),
        "pledge_capacity[FRA-1]": (-INF, 3.0, {X["FRA"]: 1.0}),
        "pledge_capacity[POL-1]": (-INF, 9.0, {X["POL"]: 3.0})},
    "demand": lambda: {"demand[inf]": (4.0, 4.0, {**{X[n]: 1.0 for n in NATIONS},
                                                  "u[inf]": 1.0})},
    "participation": lambda: {  # coefficient min(d = 4, what the nation can put there = 3)
        f"participation[{n},inf]": (-INF, 0.0, {X[n]: 1.0, f"y[{n},LAND]": -3.0})
        for n in NATIONS},
    "participation_pool": lambda: {
        "participation_pool[GBR-1,LAND]": (-INF, 0.0, {X["GBR"]: 2.0, "y[GBR,LAND]": -7.0}),
        "participation_pool[FRA-1,LAND]": (-INF, 0.0, {X["FRA"]: 1.0, "y[FRA,LAND]": -3.0}),
        "participation_pool[POL-1,LAND]": (-INF, 0.0, {X["POL"]: 3.0, "y[POL,LAND]": -9.0})},
    # only GBR: ⌊7/2⌋ = 3 < 3.5; POL's 9/3 is whole, FRA's rotation is 1
    "rotation_floor": lambda: {"rotation_floor[GBR-1]": (-INF, 3.0, {X["GBR"]: 1.0})},
    "participation_floor": lambda: {
        "participation_floor[GBR-1,LAND]": (-INF, 0.0, {X["GBR"]: 1.0, "y[GBR,LAND]": -3.0})},
    "one_lead": lambda: {"one_lead[LAND]": (1.0, 1.0, {"L[GBR,LAND]": 1.0, "L[FRA,LAND]": 1.0,
                                                       "z[LAND]": 1.0})},
    "lead_takes_part": lambda: {
        f"lead_takes_part[{n},LAND]": (-INF, 0.0, {f"L[{n},LAND]": 1.0, f"y[{n},LAND]": -1.0})
        for n in LEADS},
    "lead_contributes": lambda: {
        f"lead_contributes[{n},LAND]": (0.0, INF, {X[n]: 1.0, f"L[{n},LAND]": -1.0})
        for n in LEADS},
    "lead_share": lambda: {
        f"lead_share[{n},LAND]": (-_big_m(), INF, {
            **{f"P[{o},LAND]": (0.7 if o == n else -0.3) for o in NATIONS},
            f"L[{n},LAND]": -_big_m()})
        for n in LEADS},
    "personnel": lambda: {
        f"personnel[{n},LAND]": (0.0, 0.0, {X[n]: -PERSONNEL, f"P[{n},LAND]": 1.0})
        for n in NATIONS},
    "fair_share": lambda: {
        f"fair_share[{n}]": (0.0, 0.0, {
            **{f"P[{o},LAND]": round((o == n) - _shares()[n], 9) for o in NATIONS},
            f"e_plus[{n}]": -1.0, f"e_minus[{n}]": 1.0})
        for n in NATIONS},
}

EXPECTED_COLUMNS: dict[str, dict[str, tuple[float, bool]]] = {  # name: (upper bound, integer)
    "x": {X["GBR"]: (3.0, True), X["FRA"]: (3.0, True), X["POL"]: (3.0, True)},
    "u": {"u[inf]": (4.0, False)},
    "y": {f"y[{n},LAND]": (1.0, True) for n in NATIONS},
    "L": {f"L[{n},LAND]": (1.0, True) for n in LEADS},
    "z": {"z[LAND]": (1.0, True)},
    "e_plus": {f"e_plus[{n}]": (INF, False) for n in NATIONS},
    "e_minus": {f"e_minus[{n}]": (INF, False) for n in NATIONS},
    "P": {f"P[{n},LAND]": (INF, False) for n in NATIONS},
}


def check_rows(block: str) -> None:
    assert rows_of(tiny(), block) == pytest.approx(EXPECTED_ROWS[block]())


def check_columns(block: str) -> None:
    model = tiny()
    span = model.cols[block]
    got = {model.col_names[c]: (float(model.milp.col_hi[c]), bool(model.milp.integer[c]))
           for c in range(span.start, span.stop)}
    assert got == EXPECTED_COLUMNS[block]
    assert (model.milp.col_lo[span] == 0).all()


def check_unmet_fixed(block: str) -> None:
    # essential `inf` needs 4, desirable `more` 3; GBR alone deploys 3 of either. Stage 1
    # fills the essential tier first (1 unmet), then the desirable one (3 unmet): the later
    # stages, nation count and fair share, keep both
    sc = scenario(mission_lines=land(req(count=4), req("more", count=3, priority="desirable")),
                  nations={"GBR": nation(pledge(9))})
    r = willing.plan(sc)
    assert r.solver.unmet_by_tier == [1.0, 3.0]
    assert dict(zip(r.gaps["requirement"], r.gaps["unmet"], strict=True)) == {"inf": 1, "more": 3}


def check_nations_fixed(block: str) -> None:
    # GBR or FRA alone fills the 3 units; fair share by GDP would rather split them, but the
    # fair-share stage keeps the one nation the nations stage found
    sc = scenario(nations={"GBR": nation(pledge(9)), "FRA": nation(pledge(9))})
    r = willing.plan(sc, open_fair_share=True)
    nations = next(s for s in r.solver.stages if s.name == "nations")
    assert nations.objective == 1.0
    assert r.allocation["nation"].nunique() == 1


def check_stability(block: str) -> None:
    # planned again from its own plan, every unit stays: the stage's optimum moves none
    sc = scenario(nations={"GBR": nation(pledge(9)), "FRA": nation(pledge(9))})
    first = willing.plan(sc)
    again = willing.plan(sc, baseline=first)
    stage = next(s for s in again.solver.stages if s.name == "stability")
    assert stage.objective == 0.0
    cols = ["pledge", "requirement", "units"]
    assert again.allocation[cols].equals(first.allocation[cols])


def check_participation_fixed(block: str) -> None:
    # the fair-share stage balances among the participants chosen before (its scope says so):
    # POL would be fairer but is not in the plan the nations stage chose (one nation suffices)
    sc = scenario(nations={"GBR": nation(pledge(9)), "POL": nation(pledge(9), tier="member",
                                                                    hq=False)})
    r = willing.plan(sc)
    stage = next(s for s in r.solver.stages if s.name == "fair-share-cost")
    assert stage.scope == FAIR_SHARE_SCOPE
    assert set(r.allocation["nation"]) == {"GBR"}  # the lead; POL alone would be leaderless


def battlegroup() -> ForceModel:
    """One surge infantry battalion in the north; LTU (lead) pledges 2 infantry companies, LVA
    (member) 1: a quarter of a battalion each, formed units at the default rules (framework
    share ½, at most 4 nations)."""
    company = {"capability": "infantry-company", "count": 2, "rotation": 1,
               "readiness_days": 10, "regions": ["north"]}
    sc = scenario(mission_lines=land(req(count=1, duration="surge")),
                  nations={"LTU": nation(company),
                           "LVA": nation(company | {"count": 1}, tier="member", hq=False)})
    return build_model(sc, "calm").fm


SUB = {n: f"x[{n}-1,inf]" for n in ("LTU", "LVA")}
FORMED_ROWS: dict[str, dict[str, Row]] = {
    "formation_size": {"formation_size[inf]": (0.0, 0.0, {
        SUB["LTU"]: 0.25, SUB["LVA"]: 0.25, "w[LTU,inf]": -1.0, "w[LVA,inf]": -1.0})},
    "framework_share": {f"framework_share[{n},inf]": (0.0, INF, {SUB[n]: 0.25,
                                                                 f"w[{n},inf]": -0.5})
                        for n in SUB},
    "formation_member": {  # v's coefficient: the battalions the nation's companies make
        "formation_member[LTU,inf]": (-INF, 0.0, {SUB["LTU"]: 0.25, "v[LTU,inf]": -0.5}),
        "formation_member[LVA,inf]": (-INF, 0.0, {SUB["LVA"]: 0.25, "v[LVA,inf]": -0.25})},
    "formation_nations": {"formation_nations[inf]": (-INF, 0.0, {
        "v[LTU,inf]": 1.0, "v[LVA,inf]": 1.0, "w[LTU,inf]": -4.0, "w[LVA,inf]": -4.0})},
}
FORMED_COLUMNS: dict[str, dict[str, tuple[float, bool]]] = {
    # LTU's 2 companies frame at most 2 / 4 / ½ = 1 battalion; LVA's 1 company none
    "w": {"w[LTU,inf]": (1.0, True), "w[LVA,inf]": (0.0, True)},
    "v": {"v[LTU,inf]": (1.0, True), "v[LVA,inf]": (1.0, True)},
}


def check_formed(block: str) -> None:
    """The formed-unit blocks on `battlegroup`; on `tiny`, which has no sub-units, none."""
    model = battlegroup()
    if block in FORMED_COLUMNS:
        span = model.cols[block]
        got = {model.col_names[c]: (float(model.milp.col_hi[c]), bool(model.milp.integer[c]))
               for c in range(span.start, span.stop)}
        assert got == FORMED_COLUMNS[block]
        assert tiny().cols.size(block) == 0
    else:
        assert rows_of(model, block) == pytest.approx(FORMED_ROWS[block])
        assert rows_of(tiny(), block) == {}
    # the demand row counts formed units, and the companies only through them
    assert rows_of(model, "demand") == {"demand[inf]": (1.0, 1.0, {
        "w[LTU,inf]": 1.0, "w[LVA,inf]": 1.0, "u[inf]": 1.0})}


def lender() -> ForceModel:
    """Two surge infantry battalions in the north; GBR (lead) pledges 2 battalions and lends
    (`lend: true`), LVA (member) pledges one company: GBR's battalions may go whole or as
    companies into a formed battalion with LVA's."""
    sc = scenario(mission_lines=land(req(count=2, duration="surge")),
                  nations={"GBR": nation(pledge(2, rotation=1, lend=True)),
                           "LVA": nation({"capability": "infantry-company", "count": 1,
                                          "rotation": 1, "readiness_days": 10,
                                          "regions": ["north"]}, tier="member", hq=False)})
    return build_model(sc, "calm").fm


def check_lending(block: str) -> None:
    """One row for the lending pledge: its battalions whole (1 each) and its companies lent
    (¼ each) share its 2; no such row on `tiny`, where no pledge lends, and no capacity row
    for GBR, whose only row this is."""
    model = lender()
    assert rows_of(model, block) == pytest.approx({"lending[GBR-1]": (-INF, 2.0, {
        "x[GBR-1,inf]": 1.0, "x[GBR-1,inf,lent]": 0.25})})
    assert set(rows_of(model, "pledge_capacity")) == {"pledge_capacity[LVA-1]"}
    assert rows_of(tiny(), block) == {}
    # the lent companies count through formed units, as pledged companies do
    assert rows_of(model, "formation_size")["formation_size[inf]"][2] == pytest.approx({
        "x[GBR-1,inf,lent]": 0.25, "x[LVA-1,inf]": 0.25, "w[GBR,inf]": -1.0,
        "w[LVA,inf]": -1.0})


CHECKS: dict[str, Callable[[str], None]] = {
    "lending": check_lending,
    **dict.fromkeys([*FORMED_ROWS, *FORMED_COLUMNS], check_formed),
    **dict.fromkeys(EXPECTED_ROWS, check_rows),
    **dict.fromkeys(EXPECTED_COLUMNS, check_columns),
    "unmet_fixed": check_unmet_fixed,
    "nations_fixed": check_nations_fixed,
    "stability": check_stability,
    "stability_fixed": check_stability,
    "participation_fixed": check_participation_fixed,
}


def test_every_block_has_a_check() -> None:
    registered_names = set(VARIABLES) | set(CONSTRAINT_BLOCKS)
    assert registered_names - set(CHECKS) == set(), "blocks registered without a test"
    assert set(CHECKS) - registered_names == set(), "checks of blocks no longer registered"


@pytest.mark.parametrize("block", [*VARIABLES, *CONSTRAINT_BLOCKS])
def test_block(block: str) -> None:
    CHECKS[block](block)


@pytest.mark.parametrize("block", [*VARIABLES.values(), *CONSTRAINT_BLOCKS.values()],
                         ids=lambda b: b.name)
def test_every_block_is_described(block: ConstraintBlock) -> None:
    assert block.description.strip() and block.description.strip()[-1] not in ",;:"
    assert set(block.stages) <= set(STAGES) and block.stages


def test_the_lists_of_blocks_follow_the_registry() -> None:
    from willing.forcegen.blocks import in_stage, in_subproblem, sliced
    from willing.forcegen.decompose import SHARED_BLOCKS

    assert in_stage("unmet") == ("pledge_capacity", "lending", "demand", "formation_size",
                                 "framework_share", "formation_member", "formation_nations",
                                 "rotation_floor")
    assert SHARED_BLOCKS == sliced("shared") == ("pledge_capacity", "lending", "rotation_floor")
    assert sliced("none") == ("fair_share",)
    assert in_subproblem() == ("demand", "formation_size", "framework_share",
                               "formation_member", "formation_nations", "participation",
                               "participation_pool", "participation_floor")


@pytest.mark.parametrize(("change", "message"), [
    ({"description": " "}, "has no description"),
    ({"name": "demand"}, "is registered already"),
    ({"stages": ("nations", "later")}, "unknown stages ['later']; valid: unmet, nations"),
    ({"domains": ()}, "has no domains"),
])
def test_a_bad_block_is_refused_with_its_name(change: dict[str, object], message: str) -> None:
    fields = {"name": "extra", "description": "a block.", "domains": ("component",),
              "build": lambda ix: None, "stages": WHOLE_MODEL, **change}
    with pytest.raises(ValueError, match=r"block '\w+'.*" + message.replace("[", r"\[")
                       .replace("]", r"\]")):
        register(ConstraintBlock(**fields))  # type: ignore[arg-type]
    assert "extra" not in CONSTRAINT_BLOCKS


def test_a_block_of_stage_one_may_use_only_units_and_unmet() -> None:
    def uses_y(ix: ModelIndex) -> Rows:
        n = len(ix.nm_comp)
        return Rows(np.zeros(n, dtype=np.int64), ix.col("y", np.arange(n)), np.ones(n),
                    np.array([-INF]), np.array([1.0]), (ix.comp_with_demand[:1],))

    with registered(ConstraintBlock("uses_y", "Σ y ≤ 1.", ("component",), uses_y, STAGES)), \
            pytest.raises(ValueError, match="block 'uses_y' is in stage 'unmet'"):
        tiny()


@pytest.mark.parametrize("suffix", ["mps", "lp"])
def test_a_written_model_names_its_rows_by_block(fm: ForceModel, tmp_path: Path,
                                                 suffix: str) -> None:
    path = tmp_path / f"model.{suffix}"
    write_model(fm, path)
    h = highspy._core._Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    assert (h.getNumRow(), h.getNumCol()) == fm.milp.a.shape
    want = "rotation_floor[GBR-1]" if suffix == "mps" else "rotation_floor(GBR_1)"
    status, row = h.getRowByName(want)
    assert status == highspy.HighsStatus.kOk
    assert row == fm.milp.rows("rotation_floor")[0]
