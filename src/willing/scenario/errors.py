"""Scenario problems that point at a file, line, column and field path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PathPart = str | int


def dotted(path: Sequence[PathPart]) -> str:
    """`('nations', 'FRA', 'pledges', 2, 'count')` → `nations.FRA.pledges[2].count`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, with where it is (1-based line and column)."""

    path: tuple[PathPart, ...]
    message: str
    line: int | None = None
    column: int | None = None

    def render(self, file: str) -> str:
        where = file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return f"{where} {dotted(self.path)}: {self.message}"


class ScenarioError(ValueError):
    """A scenario that cannot be used, with every problem found (not just the first)."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(p.render(self.file) for p in self.problems)
