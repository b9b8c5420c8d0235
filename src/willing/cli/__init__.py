"""Command-line interface: a thin shell over the Python API (one module per command group)."""

from willing.cli import asks, draft, phases, plan, robust, scenario, service, structure  # noqa: F401  (each module registers its commands)
from willing.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
