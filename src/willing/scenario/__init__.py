"""Scenario files: the model, loading with line-numbered errors, and the packaged data."""

from willing.scenario.errors import Problem, ScenarioError
from willing.scenario.scenario import (
    PledgeRecord,
    Scenario,
    from_spec,
    load_scenario,
    parse_scenario,
)

__all__ = ["PledgeRecord", "Problem", "Scenario", "ScenarioError", "from_spec", "load_scenario",
           "parse_scenario"]
