"""The `willing` Typer application; command modules register themselves on it."""

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from willing.cli.common import parse_day, store_settings


class _GlobalOptionsAnywhere(TyperGroup):
    """Accepts the app's own options (`--db`, `--no-store`, `--as-of`) after the command name too.

    Users type `willing plan --no-store` as often as `willing --no-store plan`; click only
    knows an option at the level it is declared, so such options are moved in front of the
    command before parsing. A command's own option of the same name keeps it.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's vendored click Context
        return super().parse_args(ctx, self._hoisted(ctx, args))

    def _hoisted(self, ctx: Any, args: list[str]) -> list[str]:
        takes_value = {name: not getattr(p, "is_flag", False) for p in self.params
                       if p.param_type_name == "option" for name in (*p.opts, *p.secondary_opts)}
        i = 0
        while i < len(args) and args[i].startswith("-") and args[i] != "--":  # before the command
            i += 1 + (takes_value.get(args[i], False) and "=" not in args[i])
        if i >= len(args) or args[i] == "--":
            return args
        command = self.get_command(ctx, args[i])
        own = {n for p in (command.params if command else []) for n in getattr(p, "opts", [])}
        moved: list[str] = []
        rest: list[str] = []
        k = i + 1
        while k < len(args):
            name = args[k].split("=", 1)[0]
            if args[k] == "--":
                rest += args[k:]
                break
            if name in takes_value and name not in own:
                width = 1 + (takes_value[name] and "=" not in args[k])
                if k + width > len(args):
                    raise typer.BadParameter("a value is required", ctx, param_hint=f"'{name}'")
                moved += args[k:k + width]
                k += width
            else:
                rest.append(args[k])
                k += 1
        return [*args[:i], *moved, args[i], *rest]


app = typer.Typer(
    name="willing",
    help="Plan and stress-test a multinational coalition of the willing for Ukraine.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: rendering it through rich costs 0.2 s of import per call
    pretty_exceptions_enable=False,
    cls=_GlobalOptionsAnywhere,
)


@app.callback()
def _global_options(
    db: Annotated[str | None, typer.Option(
        "--db", envvar="WILLING_DB", show_envvar=True,
        help="Run store: any SQLAlchemy URL (default sqlite:///willing-runs.db in the working "
             "directory). Accepted before or after the command.")] = None,
    no_store: Annotated[bool, typer.Option(
        "--no-store", help="Do not record this run. Accepted before or after the command.")] = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Read the scenario as of this date (YYYY-MM-DD): pledges, caveats and "
        "conditions from the public ledger's statements up to it (docs/ledger.md). Accepted "
        "before or after the command.")] = None,
) -> None:
    """Plan and stress-test a multinational coalition of the willing for Ukraine."""
    store_settings.url = db
    store_settings.enabled = not no_store
    store_settings.as_of = parse_day(as_of, "--as-of") if as_of is not None else None
