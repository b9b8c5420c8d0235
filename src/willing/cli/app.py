"""The `willing` Typer application; command modules register themselves on it."""

from typing import Annotated

import typer

from willing.cli.common import store_settings

app = typer.Typer(
    name="willing",
    help="Plan and stress-test a multinational coalition of the willing for Ukraine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global_options(
    db: Annotated[str | None, typer.Option(
        "--db", envvar="WILLING_DB", show_envvar=True,
        help="Run store: any SQLAlchemy URL (default sqlite:///willing-runs.db in the working "
             "directory).")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not record this run.")] = False,
) -> None:
    """Plan and stress-test a multinational coalition of the willing for Ukraine."""
    store_settings.url = db
    store_settings.enabled = not no_store
