"""The worked example of docs/architecture.md, "Adding a constraint block", run as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import willing
from test_forcegen import land, nation, pledge, req, scenario
from willing.forcegen.blocks import CONSTRAINT_BLOCKS, in_stage, registered
from willing.forcegen.plan import build_model

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def example() -> dict[str, Any]:
    """The names the section's code defines, run from the doc itself."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Adding a constraint block", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "docs/architecture.md lost the worked example of a constraint block"
    names: dict[str, Any] = {}
    exec(compile(code.group(1), str(DOC), "exec"), names)
    return names


def test_the_example_block_is_built_named_and_bounds_the_plan() -> None:
    block = example()["HALF_AT_MOST"]
    # GBR alone could fill the 4 units (9 at rotation 1) and, planned without the block, does
    sc = scenario(mission_lines=land(req(count=4)),
                  nations={"GBR": nation(pledge(9, rotation=1)),
                           "FRA": nation(pledge(9, rotation=1))})
    alone = willing.plan(sc)
    assert alone.allocation["units"].tolist() == [4]
    with registered(block):
        fm = build_model(sc, "calm").fm
        assert "half_at_most" in in_stage("unmet")  # units alone: stage 1 holds it too
        rows = fm.milp.rows("half_at_most")
        assert [fm.row_names[r] for r in rows] == ["half_at_most[GBR,inf]", "half_at_most[FRA,inf]"]
        assert fm.milp.row_hi[rows].tolist() == [2.0, 2.0]
        r = willing.plan(sc)
    assert "half_at_most" not in CONSTRAINT_BLOCKS  # the variant ends with the `with`
    by_nation = r.allocation.groupby("nation")["units"].sum().to_dict()
    assert by_nation == {"GBR": 2, "FRA": 2}
    assert r.gaps.empty and r.solver.optimal
