"""Force generation: the MILP that allocates pledges to requirements (docs/forcegen.md)."""

from willing.forcegen.model import CONSTRAINTS
from willing.forcegen.plan import plan
from willing.forcegen.result import PlanResult

__all__ = ["CONSTRAINTS", "PlanResult", "plan"]
