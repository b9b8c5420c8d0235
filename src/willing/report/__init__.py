"""The report: one self-contained HTML file (plotly, offline) of a scenario's plan and analyses."""

from willing.report.bundle import build, for_scenario, from_run
from willing.report.figures import Section, sections
from willing.report.render import render, write_pdf

__all__ = ["Section", "build", "for_scenario", "from_run", "render", "sections", "write_pdf"]
