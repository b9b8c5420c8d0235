"""The registry of analyses: one registration each, and the CLI, store, report and service follow.

An analysis is registered once with its name (the CLI command and the stored run's command),
its function, its result type (whose declared parts give the JSON and the releasability filter,
see `willing.results`), its CLI command (a Typer function: its parameters are the options) and,
when the report shows it, its report section builder. From the registry:

- the CLI mounts every registered command (`willing.cli` subscribes with `on_register`);
- the CLI stores a run exactly when its command is a registered analysis;
- the report bundle runs each analysis that reads a plan (`of_plan`) and takes the slow ones
  from the store (`from_store`), and the report shows each one's section (`report`);
- the web service filters a stored run, or a bundle, by the parts its result type declares.

Every callable and the result type may be given as a `module:attribute` string, resolved on
first use, so that registering an analysis imports nothing: `willing --help` lists the commands
without loading pandas, HiGHS or plotly, and `willing plan` loads only what planning needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pkgutil import resolve_name
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from willing.results import Part, Result

Ref = str | Callable[..., Any]
"""A callable (or a result class), or its `module:attribute` name."""


@dataclass(frozen=True)
class Analysis:
    """One analysis: what it is called, what it computes and where it shows."""

    name: str  # the CLI command, and the `command` of the runs it stores
    run: Ref  # the Python API function
    result: Ref  # the Result class `run` returns
    cli: Ref  # the Typer command function (its parameters are the CLI options)
    of_plan: Ref | None = None  # the analysis of one plan (PlanResult → Result), for reports
    report: Ref | None = None  # the report section builder: bundle → Section | None
    from_store: bool = False  # too slow for every report: shown when the store has a run
    many: str | None = None  # the payload key of a list of results (plan --all-states: plans)

    @property
    def function(self) -> Callable[..., Any]:
        """The Python API function (`run`, resolved)."""
        return _resolve(self.run)

    @property
    def result_type(self) -> type[Result]:
        """The result class (`result`, resolved)."""
        out: type[Result] = _resolve(self.result)  # type: ignore[assignment]
        return out

    @property
    def per_plan(self) -> Callable[..., Result] | None:
        """The analysis of one plan (`of_plan`, resolved), or None."""
        return None if self.of_plan is None else _resolve(self.of_plan)

    @property
    def command(self) -> Callable[..., Any]:
        return _resolve(self.cli)

    @property
    def section(self) -> Callable[[dict[str, Any]], Any] | None:
        return None if self.report is None else _resolve(self.report)

    @property
    def parts(self) -> tuple[Part, ...]:
        """The declared parts of a stored run's payload (one result, or a list under `many`)."""
        from willing.results import Nested

        own = self.result_type.PARTS
        return own if self.many is None else (*own, Nested(self.many, own, many=True))

    @property
    def summary(self) -> str:
        """The first line of the function's docstring."""
        return (self.function.__doc__ or self.name).strip().splitlines()[0]


_REGISTRY: dict[str, Analysis] = {}
_LISTENERS: list[Callable[[Analysis], None]] = []


def register(analysis: Analysis) -> Analysis:
    """Add an analysis; a name registered twice is an error (two commands cannot share it)."""
    if analysis.name in _REGISTRY:
        raise ValueError(f"analysis '{analysis.name}' is already registered")
    _REGISTRY[analysis.name] = analysis
    for listen in _LISTENERS:
        listen(analysis)
    return analysis


def unregister(name: str) -> None:
    """Remove an analysis from the registry (commands already mounted stay mounted)."""
    _REGISTRY.pop(name, None)


def on_register(listen: Callable[[Analysis], None]) -> None:
    """Call `listen` with every analysis registered so far and every one registered later."""
    _LISTENERS.append(listen)
    for a in list(_REGISTRY.values()):
        listen(a)


def registered() -> list[Analysis]:
    """Every analysis, in registration order (the report's order of sections)."""
    return list(_REGISTRY.values())


def get(name: str) -> Analysis | None:
    return _REGISTRY.get(name)


def _resolve(ref: Ref) -> Callable[..., Any]:
    out: Callable[..., Any] = resolve_name(ref) if isinstance(ref, str) else ref
    return out


register(Analysis("plan", "willing.forcegen:plan", "willing.forcegen:PlanResult",
                  "willing.cli.plan:plan_cmd", many="plans"))
register(Analysis("burden", "willing.burden:burden_sharing", "willing.burden:BurdenSharing",
                  "willing.cli.structure:burden_cmd", of_plan="willing.burden:burden_sharing",
                  report="willing.report.figures:burden"))
register(Analysis("command", "willing.command:command_structure",
                  "willing.command:CommandStructure", "willing.cli.structure:command_cmd",
                  of_plan="willing.command:command_structure",
                  report="willing.report.extra:command_tree"))
register(Analysis("contingency", "willing.contingency:contingency",
                  "willing.contingency:ContingencyResult", "willing.cli.phases:contingency_cmd"))
register(Analysis("buildup", "willing.buildup:buildup", "willing.buildup:BuildupResult",
                  "willing.cli.phases:buildup_cmd", of_plan="willing.buildup:buildup",
                  report="willing.report.extra:buildup"))
register(Analysis("sustain", "willing.sustain:sustain", "willing.sustain:SustainResult",
                  "willing.cli.phases:sustain_cmd", of_plan="willing.sustain:sustain",
                  report="willing.report.extra:sustain"))
register(Analysis("stress", "willing.robust:stress", "willing.robust:StressResult",
                  "willing.cli.robust:stress_cmd", report="willing.report.extra:stress",
                  from_store=True))
register(Analysis("pivotal", "willing.robust:pivotal", "willing.robust:PivotalResult",
                  "willing.cli.robust:pivotal_cmd", report="willing.report.extra:pivotal",
                  from_store=True))
register(Analysis("sweep", "willing.robust:sweep", "willing.robust:SweepResult",
                  "willing.cli.robust:sweep_cmd"))
register(Analysis("asks", "willing.asks:asks", "willing.asks:AsksResult",
                  "willing.cli.asks:asks_cmd", report="willing.report.extra:asks",
                  from_store=True))
register(Analysis("timeline", "willing.timeline:timeline", "willing.timeline:TimelineResult",
                  "willing.cli.timeline:timeline_cmd", report="willing.report.extra:timeline",
                  from_store=True))

__all__ = ["Analysis", "get", "on_register", "register", "registered", "unregister"]
