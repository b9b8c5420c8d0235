"""`willing draft`: read a statement or news report, propose ledger entries and scenario changes."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from willing.cli.app import app
from willing.cli.common import JsonFlag, clean_errors, console, err, load


def _date(text: str | None) -> str:
    if text is None:
        return dt.date.today().isoformat()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"--date '{text}' is not a date; give YYYY-MM-DD") from None


@app.command("draft")
@clean_errors
def draft_cmd(
    file: Annotated[Path, typer.Argument(help="Text file: a joint statement or a news report (UTF-8).")],
    scenario: Annotated[str | None, typer.Option(
        "--scenario", help="Scenario whose nations the proposals change (file or packaged name).")] = None,
    date: Annotated[str | None, typer.Option(
        help="Date of the statement, YYYY-MM-DD (default today).")] = None,
    source: Annotated[str | None, typer.Option(help="Public source (URL) of the text.")] = None,
    as_json: JsonFlag = False,
    apply: Annotated[bool, typer.Option(
        "--apply", help="Accept every proposal: write the scenario copy (-o) and/or the ledger "
                        "(--ledger).")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="With --apply: where to write the changed copy of the scenario.")] = None,
    ledger: Annotated[Path | None, typer.Option(
        help="With --apply: ledger file (YAML list) the ledger entries are appended to.")] = None,
) -> None:
    """Propose ledger entries and scenario changes from a statement, each with its sentence."""
    if apply and output is None and ledger is None:
        raise ValueError("--apply writes to -o OUT.yaml (a copy of the scenario) and/or "
                         "--ledger FILE; give at least one")
    if output is not None and scenario is None:
        raise ValueError("-o writes a changed copy of a scenario; give --scenario too")
    from willing.draft import apply_to_scenario, draft, ledger_text, load_text

    text = load_text(file)
    sc = load(scenario) if scenario is not None else None
    result = draft(text, sc, date=_date(date), source=source or str(file))
    applied: list[str] = []
    if apply:
        if output is not None and sc is not None:
            new_text, applied = apply_to_scenario(sc, result.proposals, source or str(file))
            output.write_text(new_text, encoding="utf-8")
            applied.append(f"wrote {output}")
        if ledger is not None:
            old = ledger.read_text(encoding="utf-8") if ledger.is_file() else None
            ledger.write_text(ledger_text(result.proposals, old), encoding="utf-8")
            applied.append(f"wrote {ledger} ({sum(p.kind == 'ledger' for p in result.proposals)} entries)")
    if as_json:
        sys.stdout.write(json.dumps({**result.to_dict(), "applied": applied}, indent=2) + "\n")
        return
    if not result.proposals:
        console.print("no proposals: the text names no nation that says it will or will not "
                      "take part", highlight=False)
    else:
        t = Table(title=f"Proposals from {file}", show_lines=False)
        for col in ("kind", "nation", "proposal", "conf.", "from the sentence"):
            t.add_column(col, justify="right" if col == "conf." else "left")
        for p in result.proposals:
            t.add_row(p.kind, p.nation or "—", p.summary, f"{p.confidence:.2f}", p.sentence)
        console.print(t)
    for g in result.groups:
        console.print(f"group: {g['text']} ({g['stance']}) — members not named", highlight=False)
    for u in result.unknown:
        err.print(f"[yellow]unknown name:[/] '{u['name']}' is not in the lexicon (not guessed): "
                  f"{u['sentence']}", highlight=False)
    for line in applied:
        console.print(f"[green]applied[/] {line}", highlight=False)
