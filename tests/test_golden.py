"""Behaviour is unchanged: every command's JSON equals the recorded golden output.

The cases and the comparison are in `tests/golden/cases.py`; a refactor must leave every figure
as it was (timings, paths and versions aside). An intended change regenerates the files with
`python tests/golden/cases.py [COMMAND|SCENARIO ...]` and says why in its commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))
from cases import CASES, golden_path, run, same, scenario_file


@pytest.mark.parametrize(("scenario", "command"), CASES, ids=[f"{s}-{c}" for s, c in CASES])
def test_command_json_is_unchanged(scenario: str, command: str, tmp_path: Path) -> None:
    golden = json.loads(golden_path(scenario, command).read_text())
    new = json.loads(json.dumps(run(command, scenario_file(scenario, tmp_path))))
    diffs = same(golden, new)
    assert not diffs, f"{len(diffs)} differences, first: " + "; ".join(diffs[:8])


def test_the_comparison_sees_a_change() -> None:
    golden = json.loads(golden_path("ukraine-2025", "plan").read_text())
    changed = json.loads(json.dumps(golden))
    changed["plans"][0]["summary"]["units_filled"] += 1
    assert same(golden, changed) == [".plans[0].summary.units_filled: "
                                     f"{golden['plans'][0]['summary']['units_filled']} != "
                                     f"{changed['plans'][0]['summary']['units_filled']}"]
    assert same({"a": 1.0}, {"a": 1.0 + 1e-6}) and not same({"a": 1.0}, {"a": 1.0 + 1e-12})
