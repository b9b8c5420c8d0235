"""Result tables as JSON-ready records, the one conversion every result's `to_dict()` uses."""

from __future__ import annotations

from typing import Any

import pandas as pd


def plain(v: Any) -> Any:
    """A NumPy scalar as a Python one; NaN, NA and NaT as None."""
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    try:
        missing = bool(pd.isna(v))
    except (TypeError, ValueError):  # lists, arrays: not a scalar
        missing = False
    return None if missing else v


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain values; a named index (e.g. `nation`) becomes a column."""
    if df.index.name is not None or isinstance(df.index, pd.MultiIndex):
        df = df.reset_index()
    return [{str(k): plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]
