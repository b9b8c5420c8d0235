"""The run store: every computation kept with its scenario, parameters, timings and results.

SQLAlchemy 2 ORM over any database URL; by default SQLite in `./willing-runs.db` (or the URL in
`WILLING_DB`). A run is written in one transaction, so a process killed mid-write leaves every
earlier run intact; SQLite runs in WAL mode, where an interrupted transaction is simply never
seen by readers.

Results are split on the way in: each table (a list of records, as `to_dict()` of a result
produces) becomes a row of `run_tables` with its columns and zlib-compressed rows, each long
numeric list (a coverage sample, say) becomes a compressed float64 array in `run_arrays`, and
what remains is a small JSON skeleton with references to both. Reading puts them back together,
so `Store.get(id).payload` equals the payload stored (after JSON normalisation; a record that
lacks a column of its table comes back with that column set to None).
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

DEFAULT_URL = "sqlite:///willing-runs.db"
ENV_VAR = "WILLING_DB"
ARRAY_MIN = 256
"""Numeric lists at least this long are stored as compressed float64 arrays (assumption: below
that the JSON is smaller than the array's framing and compression gains nothing)."""

_TABLE_REF = "$table"
_ARRAY_REF = "$array"


class Base(DeclarativeBase):
    pass


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    command: Mapped[str] = mapped_column(String(40), index=True)
    scenario_name: Mapped[str | None] = mapped_column(String(200))
    scenario_file: Mapped[str | None] = mapped_column(String(500))
    scenario_text: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    force_option: Mapped[str | None] = mapped_column(String(40))
    params: Mapped[str] = mapped_column(Text, default="{}")
    willing_version: Mapped[str] = mapped_column(String(40))
    seconds: Mapped[float | None] = mapped_column(Float)
    timings: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(20), default="ok")
    result: Mapped[str] = mapped_column(Text, default="{}")
    tables: Mapped[list[TableRow]] = relationship(back_populates="run", cascade="all, delete-orphan")
    arrays: Mapped[list[ArrayRow]] = relationship(back_populates="run", cascade="all, delete-orphan")


class TableRow(Base):
    __tablename__ = "run_tables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    columns: Mapped[str] = mapped_column(Text)
    n_rows: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    run: Mapped[RunRow] = relationship(back_populates="tables")


class ArrayRow(Base):
    __tablename__ = "run_arrays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    length: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    run: Mapped[RunRow] = relationship(back_populates="arrays")


@dataclass
class Run:
    """A stored run as plain Python data."""

    id: int
    created: datetime
    command: str
    scenario_name: str | None
    scenario_file: str | None
    scenario_text: str | None
    sha256: str | None
    force_option: str | None
    params: dict[str, Any]
    willing_version: str
    seconds: float | None
    timings: dict[str, Any]
    status: str
    payload: dict[str, Any]

    def header(self) -> dict[str, Any]:
        """Everything but the scenario text and the results: what `runs list` shows."""
        return {"id": self.id, "created": self.created.isoformat(timespec="seconds"),
                "command": self.command, "scenario": self.scenario_name,
                "file": self.scenario_file, "sha256": self.sha256,
                "force_option": self.force_option, "params": self.params,
                "willing_version": self.willing_version, "seconds": self.seconds,
                "timings": self.timings, "status": self.status}

    def table(self, path: str) -> pd.DataFrame:
        """A stored table by its path in the payload (`allocation`, `plans/0/gaps`, ...)."""
        node: Any = self.payload
        for part in path.split("/"):
            node = node[int(part)] if isinstance(node, list) else node[part]
        return pd.DataFrame.from_records(node)


def default_url() -> str:
    return os.environ.get(ENV_VAR) or DEFAULT_URL


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # durable against a killed process in WAL mode
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")  # several CLI processes may write at once
    cur.close()


def _engine(url: str) -> Engine:
    try:
        engine = create_engine(url, future=True)
    except (ArgumentError, ValueError) as exc:
        raise ValueError(f"not a database URL: '{url}' ({exc}); e.g. sqlite:///runs.db or "
                         "postgresql+psycopg://user@host/willing") from None
    except ImportError as exc:
        raise ValueError(f"the database driver for '{url}' is not installed: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Store:
    """Runs in a database; `Store()` opens the default, `Store(url)` any SQLAlchemy URL."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self.engine = _engine(self.url)
        try:
            Base.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise ValueError(f"cannot open the run store {self.url}: {exc.__class__.__name__}: "
                             f"{exc.orig if hasattr(exc, 'orig') else exc}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def add(self, command: str, payload: dict[str, Any], *, scenario: Any = None,
            params: dict[str, Any] | None = None, seconds: float | None = None,
            timings: dict[str, Any] | None = None, status: str = "ok") -> int:
        """Store one run in one transaction and return its id.

        `scenario` is a `willing.Scenario` (its text, hash, name and force option are kept);
        `payload` must be JSON-ready (see `willing.cli.common.jsonable`).
        """
        from willing import __version__

        skeleton, tables, arrays = _split(payload)
        row = RunRow(
            created=datetime.now(UTC), command=command,
            scenario_name=getattr(scenario, "name", None),
            scenario_file=getattr(scenario, "file", None),
            scenario_text=getattr(scenario, "text", None),
            sha256=getattr(scenario, "sha256", None),
            force_option=getattr(scenario, "force_option", None),
            params=json.dumps(params or {}, default=str), willing_version=__version__,
            seconds=seconds, timings=json.dumps(timings or {}, default=str), status=status,
            result=json.dumps(skeleton, allow_nan=False),
        )
        for path, records in tables:
            columns = list(dict.fromkeys(k for r in records for k in r))
            body = json.dumps([[r.get(c) for c in columns] for r in records], allow_nan=False)
            row.tables.append(TableRow(path=path, columns=json.dumps(columns), n_rows=len(records),
                                       data=zlib.compress(body.encode(), 6)))
        for path, values in arrays:
            arr = np.asarray(values, dtype=np.float64)
            row.arrays.append(ArrayRow(path=path, length=arr.size,
                                       data=zlib.compress(arr.tobytes(), 6)))
        with Session(self.engine) as s, s.begin():
            s.add(row)
            s.flush()
            return int(row.id)

    def get(self, run_id: int) -> Run:
        with Session(self.engine) as s:
            row = s.get(RunRow, run_id)
            if row is None:
                raise ValueError(f"no run {run_id} in {self.url}; `willing runs list` shows the runs")
            payload = _join(json.loads(row.result), row.tables, row.arrays)
            return _run(row, payload)

    def list(self, *, command: str | None = None, sha256: str | None = None,
             limit: int | None = None) -> list[Run]:
        """Runs newest first, without their results (the payload is empty)."""
        q = select(RunRow).order_by(RunRow.id.desc())
        if command:
            q = q.where(RunRow.command == command)
        if sha256:
            q = q.where(RunRow.sha256 == sha256)
        if limit:
            q = q.limit(limit)
        with Session(self.engine) as s:
            return [_run(r, {}) for r in s.scalars(q)]

    def latest(self, command: str, sha256: str | None = None) -> Run | None:
        """The newest run of a command (on a scenario with this hash), with its results."""
        runs = self.list(command=command, sha256=sha256, limit=1)
        return self.get(runs[0].id) if runs else None

    def __iter__(self) -> Iterator[Run]:
        return iter(self.list())


def _run(row: RunRow, payload: dict[str, Any]) -> Run:
    created = row.created if row.created.tzinfo else row.created.replace(tzinfo=UTC)
    return Run(id=row.id, created=created, command=row.command, scenario_name=row.scenario_name,
               scenario_file=row.scenario_file, scenario_text=row.scenario_text,
               sha256=row.sha256, force_option=row.force_option, params=json.loads(row.params),
               willing_version=row.willing_version, seconds=row.seconds,
               timings=json.loads(row.timings), status=row.status, payload=payload)


def _is_table(v: Any) -> bool:
    return isinstance(v, list) and len(v) > 0 and all(isinstance(r, dict) for r in v)


def _is_array(v: Any) -> bool:
    return (isinstance(v, list) and len(v) >= ARRAY_MIN
            and all(isinstance(x, float) or (isinstance(x, int) and not isinstance(x, bool)
                                             and abs(x) < 2**53) for x in v))


def _split(payload: Any) -> tuple[Any, list[tuple[str, list[dict[str, Any]]]],
                                   list[tuple[str, list[float]]]]:
    """The payload with tables and long arrays replaced by references, and those pieces."""
    tables: list[tuple[str, list[dict[str, Any]]]] = []
    arrays: list[tuple[str, list[float]]] = []

    def walk(v: Any, path: str) -> Any:
        if _is_table(v) and all(not isinstance(x, dict | list) or _is_flat(x)
                                for r in v for x in r.values()):
            tables.append((path, v))
            return {_TABLE_REF: path}
        if _is_array(v):
            arrays.append((path, v))
            return {_ARRAY_REF: path, "ints": all(isinstance(x, int) for x in v)}
        if isinstance(v, dict):
            return {k: walk(x, f"{path}/{k}" if path else str(k)) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x, f"{path}/{i}" if path else str(i)) for i, x in enumerate(v)]
        return v

    return walk(payload, ""), tables, arrays


def _is_flat(v: Any) -> bool:
    """Cells may hold short lists of scalars (e.g. regions); anything nested stays in JSON."""
    return isinstance(v, list) and all(not isinstance(x, dict | list) for x in v)


def _join(skeleton: Any, tables: list[TableRow], arrays: list[ArrayRow]) -> Any:
    by_table = {t.path: t for t in tables}
    by_array = {a.path: a for a in arrays}

    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            if _TABLE_REF in v and len(v) == 1:
                t = by_table[v[_TABLE_REF]]
                cols = json.loads(t.columns)
                return [dict(zip(cols, r, strict=True))
                        for r in json.loads(zlib.decompress(t.data))]
            if _ARRAY_REF in v and len(v) == 2:
                a = np.frombuffer(zlib.decompress(by_array[v[_ARRAY_REF]].data), dtype=np.float64)
                return [int(x) for x in a] if v["ints"] else a.tolist()
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(skeleton)


__all__ = ["DEFAULT_URL", "ENV_VAR", "Run", "Store", "default_url"]
