"""Who shows up in one draw: global variables, then nations, then pledges.

1. **Global variables**, independent Bernoulli draws with the probabilities of
   `scenario.spec.uncertainty`: the US backstop comes (`us-backstop`), the adversary consents
   to foreign troops (`adversary-consent`), the ceasefire holds (`ceasefire`), a mandate is
   given (`mandate`).
2. **Nations**, by a one-factor Gaussian copula over their willingness:
   `z_n = √ρ·F + √(1−ρ)·ε_n` with F, ε_n standard normal, and nation n takes part when
   `z_n < Φ⁻¹(willingness_n)` — so each nation takes part with its own probability and ρ sets
   how strongly decisions move together. A `backstop`-tier nation (the United States) takes
   part exactly when the backstop comes: its decision *is* the global variable (drawing it
   again from its willingness would count the same uncertainty twice).
3. **Pledges** survive when their nation takes part and every condition they carry holds.

How the contingency state interacts: the state fixes the requirements and which pledges can
exist at all (`forcegen.arrays.valid_in_state`: the state is among the pledge's states and
the state holds all its conditions). A condition the state rules out fails in every draw; a
condition the state holds is still uncertain when it is one of the four drawn variables (the
state is the planning assumption, the draw asks whether it materialises). `parliament` is not
drawn: a parliament's vote is part of its nation's willingness. With every drawn variable
true and every nation present, the surviving pledges are exactly those force generation uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np
from scipy.special import ndtri

from willing.forcegen.arrays import BoolArray, FloatArray, IntArray, valid_in_state
from willing.scenario.model import Tier
from willing.scenario.scenario import Scenario

GLOBALS: tuple[tuple[str, str], ...] = (
    ("us_backstop", "us-backstop"),
    ("adversary_consent", "adversary-consent"),
    ("ceasefire_holds", "ceasefire"),
    ("mandate", "mandate"),
)
"""Drawn global variables: the `uncertainty` field and the pledge condition it decides."""


@dataclass(frozen=True)
class Assumptions:
    """The probabilities a stress run draws from (defaults: the scenario's `uncertainty`)."""

    us_backstop: float
    adversary_consent: float
    ceasefire_holds: float
    mandate: float
    correlation: float
    willingness: tuple[float, ...]
    nations: tuple[str, ...]

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name in ("willingness", "nations"):
                continue
            _check_unit(f.name, getattr(self, f.name))
        if len(self.willingness) != len(self.nations):
            raise ValueError("one willingness per nation")
        for iso, w in zip(self.nations, self.willingness, strict=True):
            _check_unit(f"willingness of {iso}", w)

    @classmethod
    def of(cls, scenario: Scenario) -> Assumptions:
        u = scenario.spec.uncertainty
        return cls(us_backstop=u.us_backstop, adversary_consent=u.adversary_consent,
                   ceasefire_holds=u.ceasefire_holds, mandate=u.mandate,
                   correlation=u.correlation,
                   willingness=tuple(n.willingness for n in scenario.spec.nations.values()),
                   nations=tuple(scenario.spec.nations))

    def probabilities(self) -> FloatArray:
        return np.array([getattr(self, name) for name, _ in GLOBALS])

    def with_values(self, **values: float) -> Assumptions:
        """A copy with some probabilities changed; `willingness.ISO` sets one nation's."""
        plain = {k: v for k, v in values.items() if not k.startswith("willingness.")}
        known = [name for name, _ in GLOBALS] + ["correlation"]
        for k in plain:
            if k not in known:
                raise ValueError(f"unknown assumption '{k}'; valid: {', '.join(known)}, "
                                 "willingness.ISO")
        will = list(self.willingness)
        for k, v in values.items():
            if k.startswith("willingness."):
                iso = k.split(".", 1)[1]
                if iso not in self.nations:
                    raise ValueError(f"unknown nation '{iso}' in {k}; valid: {', '.join(self.nations)}")
                will[self.nations.index(iso)] = v
        return replace(self, **plain, willingness=tuple(will))  # type: ignore[arg-type]


def _check_unit(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}")


@dataclass(frozen=True)
class DrawModel:
    """Everything a worker needs to draw a chunk: small arrays, cheap to ship to processes.

    Pledges that show up together share an availability *key* (nation × drawn conditions), so
    a draw is a draws × keys matrix rather than draws × pledges.
    """

    probabilities: FloatArray  # per global variable
    thresholds: FloatArray  # Φ⁻¹(willingness) per nation (±inf at 0 and 1)
    backstop: BoolArray  # nations whose participation is the backstop variable
    correlation: float
    key_nation: IntArray  # K
    key_needs: BoolArray  # K × globals: drawn conditions the key's pledges need
    pledge_key: IntArray  # P: key of each pledge (0 for pledges that cannot exist)

    @property
    def n_keys(self) -> int:
        return len(self.key_nation)


def draw_model(scenario: Scenario, state: str, assumptions: Assumptions) -> DrawModel:
    valid = valid_in_state(scenario, state)
    nations = list(scenario.spec.nations)
    drawn = [cond for _, cond in GLOBALS]
    keys: dict[tuple[int, tuple[bool, ...]], int] = {}
    pledge_key = np.zeros(len(scenario.pledges), dtype=np.int64)
    for i, p in enumerate(scenario.pledges):
        if valid[i]:
            k = (nations.index(p.nation), tuple(c in p.conditions for c in drawn))
            pledge_key[i] = keys.setdefault(k, len(keys))
    if not keys:  # nothing can show up: one empty key keeps the shapes simple
        keys[(0, (False,) * len(drawn))] = 0
    tiers = [str(n.tier) for n in scenario.spec.nations.values()]
    return DrawModel(
        probabilities=assumptions.probabilities(),
        thresholds=ndtri(np.array(assumptions.willingness, dtype=float)),
        backstop=np.array([t == str(Tier.BACKSTOP) for t in tiers]),
        correlation=assumptions.correlation,
        key_nation=np.array([n for n, _ in keys], dtype=np.int64),
        key_needs=np.array([needs for _, needs in keys], dtype=bool).reshape(len(keys), len(drawn)),
        pledge_key=pledge_key,
    )


@dataclass(frozen=True)
class Draws:
    globals: BoolArray  # draws × global variables
    present: BoolArray  # draws × nations
    avail: FloatArray  # draws × keys, 0/1 as float32 (the kernel's input)

    @property
    def code(self) -> IntArray:
        """The global variables of each draw as one integer (bit g = variable g)."""
        return (self.globals.astype(np.int64) << np.arange(self.globals.shape[1])).sum(axis=1)


def sample(model: DrawModel, rng: np.random.Generator, n: int) -> Draws:
    """Draw `n` coalitions; the order of random numbers is fixed, so a seed names the draws."""
    g = rng.random((n, len(model.probabilities))) < model.probabilities
    # float32 normals: half the memory traffic; Φ⁻¹ thresholds need no more resolution
    factor = rng.standard_normal(n, dtype=np.float32)
    eps = rng.standard_normal((n, len(model.thresholds)), dtype=np.float32)
    rho = model.correlation
    eps *= np.float32(math.sqrt(1.0 - rho))
    eps += np.float32(math.sqrt(rho)) * factor[:, None]
    present = eps < model.thresholds.astype(np.float32)
    us = [c for _, c in GLOBALS].index("us-backstop")
    present[:, model.backstop] = g[:, us:us + 1]
    return Draws(g, present, availability(model, present, g))


def availability(model: DrawModel, present: BoolArray, g: BoolArray) -> FloatArray:
    """Keys that show up: the nation takes part and every drawn condition it needs holds."""
    ok = present[:, model.key_nation]
    for c in range(model.key_needs.shape[1]):
        needs = model.key_needs[:, c]
        if needs.any():
            ok[:, needs] &= g[:, c:c + 1]
    return ok.astype(np.float32)
