"""willing — plan and stress-test a multinational coalition of the willing for Ukraine."""

from willing.buildup import BuildupResult, buildup
from willing.burden import BurdenSharing, burden_sharing
from willing.command import CommandStructure, command_structure
from willing.contingency import ContingencyResult, contingency
from willing.forcegen import PlanResult, plan
from willing.robust import PivotalResult, StressResult, SweepResult, pivotal, stress, sweep
from willing.scenario import Scenario, ScenarioError, load_scenario
from willing.sustain import SustainResult, sustain

__version__ = "0.1.0"

__all__ = ["PivotalResult", "PlanResult", "Scenario", "ScenarioError", "StressResult", "SweepResult",
           "__version__", "load_scenario", "pivotal", "plan", "stress", "sweep"]
__all__ += ["BuildupResult", "ContingencyResult", "SustainResult", "buildup", "contingency", "sustain"]
__all__ += ["BurdenSharing", "CommandStructure", "burden_sharing", "command_structure"]
