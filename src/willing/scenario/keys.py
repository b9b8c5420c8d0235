"""The fair-share keys, in a module of their own so that the CLI offers them as choices
without importing the scenario model (pydantic)."""

from enum import StrEnum


class FairShareKey(StrEnum):
    """What a nation's fair share of the force is proportional to."""

    GDP = "gdp"
    POPULATION = "population"
    DEFENCE_BUDGET = "defence-budget"
