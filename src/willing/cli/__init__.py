"""Command-line interface: a thin shell over the Python API (one module per command group)."""

from willing.cli import draft, phases, plan, robust, scenario, service, structure  # noqa: F401  (each module registers its commands)
from willing.cli import asks  # noqa: F401  (registers `willing asks`)
from willing.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
