"""willing — plan and stress-test a multinational coalition of the willing for Ukraine.

The names below are imported on first use (PEP 562), not with the package: `willing --help`
and commands that need no solver or data frames then start without loading pandas, HiGHS,
plotly or the service stack (bench/startup.py measures it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from willing.lazy import exports

__version__ = "0.1.0"

_WHERE: dict[str, str] = {
    "BuildupResult": "willing.buildup", "buildup": "willing.buildup",
    "BurdenSharing": "willing.burden", "burden_sharing": "willing.burden",
    "CommandStructure": "willing.command", "command_structure": "willing.command",
    "ContingencyResult": "willing.contingency", "contingency": "willing.contingency",
    "PlanResult": "willing.forcegen", "plan": "willing.forcegen",
    "PivotalResult": "willing.robust", "StressResult": "willing.robust",
    "SweepResult": "willing.robust", "pivotal": "willing.robust", "stress": "willing.robust",
    "sweep": "willing.robust",
    "Scenario": "willing.scenario", "ScenarioError": "willing.scenario",
    "load_scenario": "willing.scenario",
    "SustainResult": "willing.sustain", "sustain": "willing.sustain",
}
"""Each public name and the module that defines it."""


if TYPE_CHECKING:
    from willing.buildup import BuildupResult, buildup
    from willing.burden import BurdenSharing, burden_sharing
    from willing.command import CommandStructure, command_structure
    from willing.contingency import ContingencyResult, contingency
    from willing.forcegen import PlanResult, plan  # type: ignore[no-redef]
    from willing.robust import (  # type: ignore[no-redef]
        PivotalResult,
        StressResult,
        SweepResult,
        pivotal,
        stress,
        sweep,
    )
    from willing.scenario import Scenario, ScenarioError, load_scenario
    from willing.sustain import SustainResult, sustain

__getattr__, __dir__ = exports(__name__, _WHERE, globals())

__all__ = ["BuildupResult", "BurdenSharing", "CommandStructure", "ContingencyResult",
           "PivotalResult", "PlanResult", "Scenario", "ScenarioError", "StressResult",
           "SustainResult", "SweepResult", "__version__", "buildup", "burden_sharing",
           "command_structure", "contingency", "load_scenario", "pivotal", "plan", "stress",
           "sustain", "sweep"]
