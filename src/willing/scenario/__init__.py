"""Scenario files: the model, loading with line-numbered errors, and the packaged data.

The names are imported on first use (`willing.lazy`): the CLI reads `ScenarioError` from
`willing.scenario.errors` without loading pydantic and pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from willing.lazy import exports

_WHERE = {
    "Problem": "willing.scenario.errors", "ScenarioError": "willing.scenario.errors",
    **dict.fromkeys(("PledgeRecord", "Scenario", "apply_overrides", "from_spec",
                     "load_as_of_each", "load_scenario", "parse_scenario"),
                    "willing.scenario.scenario"),
}
"""Each public name and the module that defines it."""

__getattr__, __dir__ = exports(__name__, _WHERE, globals())

if TYPE_CHECKING:
    from willing.scenario.errors import Problem, ScenarioError
    from willing.scenario.scenario import (
        PledgeRecord,
        Scenario,
        apply_overrides,
        from_spec,
        load_as_of_each,
        load_scenario,
        parse_scenario,
    )

__all__ = ["PledgeRecord", "Problem", "Scenario", "ScenarioError", "apply_overrides", "from_spec",
           "load_as_of_each", "load_scenario", "parse_scenario"]
