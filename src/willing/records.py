"""Results as plain JSON data: the one conversion every result, payload and bundle goes through."""

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


def jsonable(o: Any) -> Any:
    """Plain JSON data: NumPy scalars unwrapped, NaN and infinities as null, frames as records."""
    if isinstance(o, dict):
        return {str(k): jsonable(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [jsonable(v) for v in o]
    if isinstance(o, pd.DataFrame):
        return jsonable(records(o))
    o = plain(o)
    if isinstance(o, float) and o in (float("inf"), float("-inf")):
        return None
    if o is None or isinstance(o, str | int | float | bool):
        return o
    return str(o)
