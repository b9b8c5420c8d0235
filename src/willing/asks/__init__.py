"""`asks()`: the cheapest additional pledges that close the gaps of a state (docs/asks.md)."""

from willing.asks.result import AsksResult, asks

__all__ = ["AsksResult", "asks"]
