"""One self-contained HTML file from a bundle: plotly's JavaScript inline, no network needed.

PDF goes through headless Chromium's `--print-to-pdf` (Debian's `chromium` package, which the
browser tests use too): the same HTML, charts drawn by the same JavaScript, so the PDF and the
page cannot disagree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from willing.report.figures import Section, sections
from willing.report.theatre import OFFLINE_GEO_JS

TEMPLATES = resources.files("willing.report") / "templates"
PCT_COLUMNS = {"coverage", "fair_share", "lead_share", "lead_share_min", "share"}


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=jinja2.select_autoescape(["html", "j2"]),
                              undefined=jinja2.StrictUndefined)


def table_html(df: pd.DataFrame) -> str:
    """A readable table: percentages as percentages, large numbers with thousands separators."""
    out = df.copy()
    for c in out.columns:
        if c in PCT_COLUMNS and pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}")
        elif pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].map(lambda v: "—" if pd.isna(v) else f"{v:,.3g}" if abs(v) < 1000
                                else f"{v:,.0f}")
    return out.to_html(index=False, na_rep="—", classes="dataframe", border=0, escape=True)


def figure_html(section: Section) -> str:
    if section.figure is None:
        return ""
    return pio.to_html(section.figure, full_html=False, include_plotlyjs=False,
                       div_id=f"fig-{section.id}", config={"displaylogo": False, "responsive": True})


def render(bundle: dict[str, Any]) -> str:
    """The report of a bundle as one HTML document."""
    from willing import __version__

    secs = sections(bundle)
    ctx = [{"id": s.id, "title": s.title, "intro": s.intro, "source": s.source,
            "assumptions": s.assumptions, "figure_html": figure_html(s),
            "table_html": table_html(s.table) if s.table is not None and not s.table.empty else "",
            "rows": 0 if s.table is None else len(s.table)} for s in secs]
    return _env().get_template("report.html.j2").render(
        version=__version__, scenario=bundle["scenario"], state=bundle.get("state"),
        summary=bundle.get("plan", {}).get("summary"), run=bundle.get("run"),
        sections=ctx,
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        plotly_js=get_plotlyjs() + "\n" + OFFLINE_GEO_JS)


def chromium() -> str:
    """The Chromium executable for PDF output ($WILLING_CHROMIUM, else `chromium` on PATH)."""
    exe = os.environ.get("WILLING_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser") or shutil.which("google-chrome")
    if not exe:
        raise ValueError("--pdf needs Chromium (Debian: apt-get install chromium), or set "
                         "WILLING_CHROMIUM to its path")
    return exe


def write_pdf(html: str, out: Path, timeout: float = 60.0) -> None:
    """Print the report to PDF with headless Chromium."""
    exe = chromium()
    with tempfile.TemporaryDirectory(prefix="willing-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp}/profile", "--virtual-time-budget=5000",
               "--no-pdf-header-footer", f"--print-to-pdf={out.resolve()}", page.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ValueError(f"Chromium did not print the PDF within {timeout:.0f} s") from None
    if proc.returncode != 0 or not out.exists():
        raise ValueError(f"Chromium could not print the PDF (exit {proc.returncode}): "
                         f"{proc.stderr.strip()[-500:]}")


__all__ = ["chromium", "render", "table_html", "write_pdf"]
