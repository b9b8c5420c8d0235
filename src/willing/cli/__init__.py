"""Command-line interface: a thin shell over the Python API (one module per command group)."""

from willing import analyses
from willing.cli import draft, scenario, service  # noqa: F401  (each module registers its commands)
from willing.cli.app import app


def _mount(analysis: analyses.Analysis) -> None:
    """Every registered analysis is a command of the same name."""
    app.command(analysis.name)(analysis.command)


analyses.on_register(_mount)


def main() -> None:
    app()


__all__ = ["app", "main"]
