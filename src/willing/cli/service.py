"""`willing runs`, `willing report`, `willing serve`: the run store, the HTML report, the dashboard."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from willing.cli.app import app
from willing.cli.common import (
    ForceOption,
    JsonFlag,
    ScenarioArg,
    StateOption,
    clean_errors,
    finish,
    fmt_int,
    fmt_pct,
    load,
    store_settings,
)

if TYPE_CHECKING:
    from willing.store import Run, Store

runs_app = typer.Typer(help="Runs kept in the store: list, show, diff.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def _store() -> Store:
    from willing.store import Store

    return Store(store_settings.url)


def _headline(run: Run) -> str:
    return ", ".join(f"{state or 'coverage'} {fmt_pct(h['coverage'])}"
                     for state, h in run.headline.items()) or "—"


@runs_app.command("list")
@clean_errors
def runs_list(
    command: Annotated[str | None, typer.Option("--command", "-c", help="Only this command.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Newest N runs.")] = 20,
    as_json: JsonFlag = False,
) -> None:
    """List the runs in the store, newest first."""
    with _store() as st:
        runs = st.list(command=command, limit=limit)
        url = st.url

    def render(console: Console) -> None:
        t = Table(title=f"Runs in {url} ({len(runs)} shown)", title_justify="left")
        for col in ("id", "created (UTC)", "command", "scenario", "option", "params", "s",
                    "coverage"):
            t.add_column(col, justify="right" if col in ("id", "s") else "left", overflow="fold")
        for r in runs:
            t.add_row(str(r.id), r.created.strftime("%Y-%m-%d %H:%M"), r.command,
                      r.scenario_name or "—", r.force_option or "—", _params(r.params),
                      f"{r.seconds:.1f}" if r.seconds is not None else "—", _headline(r))
        console.print(t)

    finish("runs", None, {"limit": limit, "command": command},
           {"store": url, "runs": [r.header() for r in runs]}, as_json, render)


def _params(p: dict[str, Any]) -> str:
    return " ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
                    for k, v in p.items() if k != "force_option")[:40]


@runs_app.command("show")
@clean_errors
def runs_show(
    run_id: Annotated[int, typer.Argument(help="Run id (see `willing runs list`).")],
    as_json: JsonFlag = False,
) -> None:
    """Show one run: what was run on which scenario, with its headline results and tables."""
    with _store() as st:
        run = st.get(run_id)

    def render(console: Console) -> None:
        h = run.header()
        t = Table(title=f"Run {run.id}", title_justify="left", show_header=False)
        t.add_column("field")
        t.add_column("value", overflow="fold")
        for k in ("created", "command", "scenario", "file", "force_option", "sha256",
                  "willing_version", "status"):
            t.add_row(k, str(h[k]))
        t.add_row("seconds", f"{run.seconds:.2f}" if run.seconds is not None else "—")
        t.add_row("params", _params(run.params) or "—")
        t.add_row("coverage", _headline(run))
        console.print(t)
        tabs = Table(title="Results stored", title_justify="left")
        tabs.add_column("path")
        tabs.add_column("rows", justify="right")
        for path, n in _tables(run.payload):
            tabs.add_row(path, fmt_int(n))
        console.print(tabs)

    finish("runs", None, {"id": run_id},
           {**run.header(), "scenario_text": run.scenario_text, "payload": run.payload},
           as_json, render)


def _tables(v: Any, path: str = "") -> list[tuple[str, int]]:
    if isinstance(v, list) and v and all(isinstance(r, dict) for r in v):
        return [(path, len(v))]
    if isinstance(v, dict):
        return [t for k, x in v.items() for t in _tables(x, f"{path}/{k}" if path else k)]
    if isinstance(v, list):
        return [t for i, x in enumerate(v) for t in _tables(x, f"{path}/{i}")]
    return []


@runs_app.command("diff")
@clean_errors
def runs_diff(
    a: Annotated[int, typer.Argument(help="The earlier run.")],
    b: Annotated[int, typer.Argument(help="The later run.")],
    as_json: JsonFlag = False,
) -> None:
    """What changed between two runs: scenario, parameters, coverage, gaps, leads, contributions."""
    with _store() as st:
        from willing.store import diff

        d = diff(st.get(a), st.get(b))

    def render(console: Console) -> None:
        sc = d["scenario"]
        if sc["same"]:
            console.print(f"Scenario: the same text (sha256 {d['a']['sha256'] or '—'})"[:100],
                          highlight=False)
        else:
            console.print(f"Scenario text changed ({len(sc['diff'])} diff lines):", highlight=False)
            for line in sc["diff"][:40]:
                style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
                console.print(line[:100], style=style, highlight=False, markup=False)
            if len(sc["diff"]) > 40:
                console.print(f"… {len(sc['diff']) - 40} more lines (--json has them all)")
        for k, (va, vb) in d["params"].items():
            console.print(f"param {k}: {va} → {vb}", highlight=False)
        for p in d["plans"]:
            _render_plan_diff(console, p, a, b)
        for f in d.get("figures", []):
            console.print(f"{f['path']}: {f['a']} → {f['b']}", highlight=False)
        if not d["plans"] and not d.get("figures"):
            console.print("No result figure changed.")

    finish("runs", None, {"a": a, "b": b}, d, as_json, render)


def _render_plan_diff(console: Console, p: dict[str, Any], a: int, b: int) -> None:
    console.rule(f"[bold]State {p['state']}[/]: run {a} → run {b}")
    if not any(p[k] for k in ("summary", "gaps", "leads", "contributions")):
        console.print("Same results.")
        return
    sections = [("summary", ["figure", "a", "b"]), ("leads", ["component", "a", "b"]),
                ("gaps", ["requirement", "change", "a", "b", "reason"]),
                ("contributions", ["nation", "a", "b", "change"])]
    for key, cols in sections:
        if not p[key]:
            continue
        t = Table(title=f"{key} ({len(p[key])} changed)", title_justify="left")
        for c in cols:
            t.add_column(f"run {a}" if c == "a" else f"run {b}" if c == "b" else c,
                         overflow="fold", justify="right" if c in ("a", "b", "change") and
                         key != "leads" else "left")
        for row in p[key]:
            t.add_row(*[_cell(row.get(c), row.get("figure"), c) for c in cols])
        console.print(t)


def _cell(v: Any, figure: str | None, column: str) -> str:
    if isinstance(v, float):
        return fmt_pct(v) if figure and "coverage" in figure else f"{v:,.3g}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:+,}" if column == "change" else f"{v:,}"
    return "—" if v is None else str(v)


@app.command("report")
@clean_errors
def report_cmd(
    scenario: ScenarioArg = None,
    run: Annotated[int | None, typer.Option("--run", "-r", help="Report a stored run.")] = None,
    state: StateOption = None,
    force_option: ForceOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path(
        "report.html"),
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print a PDF (headless Chromium).")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Write one self-contained HTML report (charts work offline) of a scenario or a stored run."""
    from willing import report

    t0 = time.perf_counter()
    with _store() as st:
        if run is not None:
            if scenario is not None:
                raise ValueError("give a scenario or --run, not both")
            bundle = report.from_run(st.get(run), st)
        else:
            bundle = report.build(load(scenario, force_option), state, store=st)
    html = report.render(bundle)
    output.write_text(html, encoding="utf-8")
    pdf_path = output.with_suffix(".pdf") if pdf else None
    if pdf_path is not None:
        report.write_pdf(html, pdf_path)
    sections = [s.title for s in report.sections(bundle)]
    seconds = time.perf_counter() - t0

    def render(console: Console) -> None:
        console.print(f"wrote {output} ({len(html) / 1e6:.1f} MB, {len(sections)} sections"
                      + (f"; {pdf_path}" if pdf_path else "") + f") in {seconds:.1f} s",
                      highlight=False)

    finish("report", None, {"run": run, "state": state},
           {"html": str(output), "pdf": str(pdf_path) if pdf_path else None, "bytes": len(html),
            "sections": sections, "seconds": round(seconds, 3)},
           as_json, render)


@app.command("serve")
@clean_errors
def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="Port.")] = 8000,
    users: Annotated[Path | None, typer.Option(
        "--users", help="YAML file of API tokens → role (planner, national, observer) and "
                        "nation; without it everyone is a coalition planner.")] = None,
    limits: Annotated[Path | None, typer.Option(
        "--limits", help="YAML file of request and job limits and per-role quotas "
                         "(docs/service.md, 'Limits and quotas').")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Serve the dashboard and the API (OpenAPI at /openapi.json) for the runs in the store."""
    import uvicorn

    from willing.server import create_app
    from willing.server.access import load_users
    from willing.server.limits import load_limits

    api = create_app(store_settings.url, load_users(users) if users else None,
                     load_limits(limits) if limits else None)
    url = f"http://{host}:{port}/"

    def render(console: Console) -> None:
        console.print(f"willing dashboard on {url} · API docs {url}docs · store "
                      f"{api.state.store.url} · Ctrl-C stops", highlight=False)

    finish("serve", None, {"host": host, "port": port},
           {"url": url, "store": api.state.store.url}, as_json, render)
    uvicorn.run(api, host=host, port=port, log_level="warning")
