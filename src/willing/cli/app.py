"""The `willing` Typer application; command modules register themselves on it."""

import typer

app = typer.Typer(
    name="willing",
    help="Plan and stress-test a multinational coalition of the willing for Ukraine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
