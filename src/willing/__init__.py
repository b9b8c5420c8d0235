"""willing — plan and stress-test a multinational coalition of the willing for Ukraine."""

from willing.forcegen import PlanResult, plan
from willing.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"

__all__ = ["PlanResult", "Scenario", "ScenarioError", "__version__", "load_scenario", "plan"]
