"""Coverage: what share of the statement of requirements a force fills, and in which measure.

Counting units makes a 12-person monitoring team weigh as much as a 600-person battalion, so
every command reports coverage in three measures, one definition each:

- *units*: units filled / units required;
- *personnel*: the posts filled, counted at the personnel per unit of the requirement's own
  capability (the catalogue), over the personnel the requirements ask for — the share of the
  required force in people, whichever nation's unit fills the post;
- *weighted*: units filled × the requirement's `weight` (scenario, default 1) over units
  required × weight; a weight of 0 leaves a requirement out, and with every weight 1 it is
  the units measure, so it is reported only when some weight differs from 1.

`plan`, `stress` and `timeline` all read these measures from here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from willing.scenario.scenario import Scenario
from willing.sizing import Requirement

MEASURES = ("weighted", "personnel")
"""The measures besides units, in the order of `per_unit`'s columns: the stress kernel gives
units to the requirements of a tier by weight first, then by personnel per unit."""


def share(filled: npt.ArrayLike, required: npt.ArrayLike,
          per_unit: npt.ArrayLike | None = None) -> float:
    """Σ per_unit·filled / Σ per_unit·required (per_unit 1: units); 1.0 when nothing is required."""
    f, r = np.asarray(filled, dtype=float), np.asarray(required, dtype=float)
    v = np.ones_like(r) if per_unit is None else np.asarray(per_unit, dtype=float)
    total = float(v @ r)
    return float(v @ f) / total if total > 0 else 1.0


def personnel_per_unit(scenario: Scenario, reqs: Sequence[Requirement]) -> npt.NDArray[np.float64]:
    """Personnel of one unit of each requirement's capability (the catalogue's figure)."""
    return np.array([scenario.catalogue[r.capability].personnel_per_unit for r in reqs],
                    dtype=float)


def weights(reqs: Sequence[Requirement]) -> npt.NDArray[np.float64]:
    """Each requirement's weight (1 unless the scenario says otherwise)."""
    return np.array([r.weight for r in reqs], dtype=float)


def weighted(reqs: Sequence[Requirement]) -> bool:
    """Whether some requirement's weight differs from 1 (then weighted coverage is reported)."""
    return bool((weights(reqs) != 1.0).any())


def per_unit(scenario: Scenario, reqs: Sequence[Requirement]) -> npt.NDArray[np.float64]:
    """Value of one unit of each requirement in each of `MEASURES`, requirements × measures."""
    return np.column_stack([weights(reqs), personnel_per_unit(scenario, reqs)]).reshape(
        len(reqs), len(MEASURES))
