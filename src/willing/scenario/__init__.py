"""Scenario files: the model, loading with line-numbered errors, and the packaged data."""

from willing.scenario.errors import Problem, ScenarioError
from willing.scenario.scenario import (
    PledgeRecord,
    Scenario,
    apply_overrides,
    from_spec,
    load_scenario,
    parse_scenario,
)

__all__ = ["PledgeRecord", "Problem", "Scenario", "ScenarioError", "apply_overrides", "from_spec",
           "load_scenario", "parse_scenario"]
