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

The schema is made by the Alembic migrations in `willing.migrations`, run when a store is
opened; the classes below map it and must match the newest migration (a test compares them).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import zlib
from collections.abc import Iterable
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

from willing import migrations
from willing.records import jsonable
from willing.scenario import packaged
from willing.scenario.diff import diff_scenarios
from willing.scenario.yamlmarks import MAX_BYTES

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


class LedgerRow(Base):
    """One step of a pledge's life (the Kiel Ukraine Support Tracker's distinction between what
    is announced, committed and delivered), with its date and public source."""

    __tablename__ = "pledge_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recorded: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    nation: Mapped[str] = mapped_column(String(3), index=True)
    pledge: Mapped[str] = mapped_column(String(80), index=True)
    capability: Mapped[str] = mapped_column(String(80))
    count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    date: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200), default="")


class VersionRow(Base):
    """A scenario saved from the builder: a version, or a national representative's proposal
    (status `proposed`, then `accepted` or `rejected` by a planner)."""

    __tablename__ = "scenario_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    yaml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("scenario_versions.id"))
    nation: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    changes: Mapped[str] = mapped_column(Text)


VERSION_STATUSES = ("version", "proposed", "accepted", "rejected")
"""A saved scenario is a `version`; a proposal is `proposed` until a planner accepts it (a new
version is saved from it) or rejects it."""


LEDGER_STAGES = ("announced", "committed", "deployed")
"""A pledge moves forward through these; `withdrawn` may follow any of them and ends it."""


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
    headline: dict[str, Any]

    def header(self) -> dict[str, Any]:
        """Everything but the scenario text and the results: what `runs list` shows."""
        return {"id": self.id, "created": self.created.isoformat(timespec="seconds"),
                "command": self.command, "scenario": self.scenario_name,
                "file": self.scenario_file, "sha256": self.sha256,
                "force_option": self.force_option, "params": self.params,
                "willing_version": self.willing_version, "seconds": self.seconds,
                "timings": self.timings, "status": self.status, "headline": self.headline}

    def table(self, path: str) -> pd.DataFrame:
        """A stored table by its path in the payload (`allocation`, `plans/0/gaps`, ...)."""
        node: Any = self.payload
        for part in path.split("/"):
            node = node[int(part)] if isinstance(node, list) else node[part]
        return pd.DataFrame.from_records(node)


@dataclass
class Version:
    """A stored scenario version (or proposal) as plain Python data."""

    id: int
    name: str
    yaml: str
    sha256: str
    author: str
    role: str
    created: datetime
    note: str
    parent: int | None
    nation: str | None
    status: str
    changes: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "yaml": self.yaml, "sha256": self.sha256,
                "author": self.author, "role": self.role,
                "created": self.created.isoformat(timespec="seconds"), "note": self.note,
                "parent": self.parent, "nation": self.nation, "status": self.status,
                "changes": self.changes}


def _version(row: VersionRow) -> Version:
    created = row.created if row.created.tzinfo else row.created.replace(tzinfo=UTC)
    return Version(id=row.id, name=row.name, yaml=row.yaml, sha256=row.sha256, author=row.author,
                   role=row.role, created=created, note=row.note, parent=row.parent_id,
                   nation=row.nation, status=row.status, changes=json.loads(row.changes))


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
            migrations.upgrade(self.engine)
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
        `payload` must be JSON-ready (see `jsonable`).
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

    def record_pledge(self, *, nation: str, pledge: str, capability: str, count: int, status: str,
                      date: str, source: str, recorded_by: str = "") -> int:
        """Add a step to the pledge ledger, refusing a step back or a date before the last one."""
        valid = (*LEDGER_STAGES, "withdrawn")
        if status not in valid:
            raise ValueError(f"status must be one of {', '.join(valid)}, got '{status}'")
        try:
            day = datetime.strptime(date, "%Y-%m-%d").date().isoformat()
        except ValueError:
            raise ValueError(f"date must be YYYY-MM-DD, got '{date}'") from None
        if count < 0:
            raise ValueError(f"count must be ≥ 0, got {count}")
        if not source.strip():
            raise ValueError("every ledger entry names its public source")
        with Session(self.engine) as s, s.begin():
            last = s.scalars(select(LedgerRow).where(LedgerRow.nation == nation,
                                                     LedgerRow.pledge == pledge)
                             .order_by(LedgerRow.id.desc()).limit(1)).first()
            if last is not None:
                if last.status == "withdrawn":
                    raise ValueError(f"{nation} pledge {pledge} was withdrawn on {last.date}")
                if status != "withdrawn" and LEDGER_STAGES.index(status) < LEDGER_STAGES.index(
                        last.status):
                    raise ValueError(f"{nation} pledge {pledge} is already {last.status} "
                                     f"({last.date}); it cannot go back to {status}")
                if day < last.date:
                    raise ValueError(f"date {day} is before the pledge's last entry ({last.date})")
            row = LedgerRow(recorded=datetime.now(UTC), nation=nation, pledge=pledge,
                            capability=capability, count=count, status=status, date=day,
                            source=source, recorded_by=recorded_by)
            s.add(row)
            s.flush()
            return int(row.id)

    def seed_ledger(self, steps: Iterable[dict[str, Any]]) -> int:
        """Start an empty ledger from `steps` (the packaged public ledger), so a new service
        shows the public record from its first request; a ledger with entries is left as it is.
        Returns the number of steps recorded."""
        with Session(self.engine) as s:
            if s.scalars(select(LedgerRow.id).limit(1)).first() is not None:
                return 0
        return sum(1 for step in steps if self.record_pledge(**step))

    def ledger(self, nation: str | None = None) -> list[dict[str, Any]]:
        """Ledger entries in the order they were recorded (one nation's, or all)."""
        q = select(LedgerRow).order_by(LedgerRow.id)
        if nation:
            q = q.where(LedgerRow.nation == nation)
        with Session(self.engine) as s:
            return [{"id": r.id, "recorded": r.recorded.isoformat(timespec="seconds"),
                     "nation": r.nation, "pledge": r.pledge, "capability": r.capability,
                     "count": r.count, "status": r.status, "date": r.date, "source": r.source,
                     "recorded_by": r.recorded_by} for r in s.scalars(q)]

    def save_version(self, name: str, yaml: str, *, author: str, role: str, note: str = "",
                     parent: int | None = None, nation: str | None = None,
                     status: str = "version") -> Version:
        """Store a scenario text as a version (or, with status `proposed`, a proposal) and return
        it. What changed is computed against the parent's text, or against the packaged
        scenario of that name when there is no parent (a version started from it)."""
        if status not in VERSION_STATUSES:
            raise ValueError(f"status must be one of {', '.join(VERSION_STATUSES)}, got '{status}'")
        size = len(yaml.encode("utf-8"))
        if size > MAX_BYTES:
            raise ValueError(f"the scenario is {size:,} bytes; a scenario may have at most "
                             f"{MAX_BYTES:,}")
        with Session(self.engine) as s, s.begin():
            if parent is not None:
                above = s.get(VersionRow, parent)
                if above is None:
                    raise ValueError(f"no scenario version {parent} (the parent) in the store")
                before = above.yaml
            else:
                before = packaged.scenario_text(name) if name in packaged.scenario_names() else ""
            row = VersionRow(name=name, yaml=yaml, sha256=hashlib.sha256(yaml.encode()).hexdigest(),
                             author=author, role=role, created=datetime.now(UTC), note=note,
                             parent_id=parent, nation=nation, status=status,
                             changes=json.dumps(diff_scenarios(before, yaml), default=str))
            s.add(row)
            s.flush()
            return _version(row)

    def version(self, version_id: int) -> Version:
        """One stored version or proposal by id."""
        with Session(self.engine) as s:
            row = s.get(VersionRow, version_id)
            if row is None:
                raise ValueError(f"no scenario version {version_id} in the store")
            return _version(row)

    def versions(self, name: str | None = None, limit: int | None = None) -> list[Version]:
        """Versions and proposals newest first (of one scenario name, or all)."""
        q = select(VersionRow).order_by(VersionRow.id.desc())
        if name:
            q = q.where(VersionRow.name == name)
        if limit:
            q = q.limit(limit)
        with Session(self.engine) as s:
            return [_version(r) for r in s.scalars(q)]

    def decide(self, proposal: int, accept: bool, *, author: str, role: str) -> Version:
        """Accept (a version is saved from it, and returned) or reject (it is returned, marked
        `rejected`) a proposal; a proposal is decided once."""
        with Session(self.engine) as s, s.begin():
            row = s.get(VersionRow, proposal)
            if row is None:
                raise ValueError(f"no scenario version {proposal} in the store")
            if row.status != "proposed":
                raise ValueError(f"scenario version {proposal} is not an open proposal (it is "
                                 f"'{row.status}')")
            row.status = "accepted" if accept else "rejected"
            p = _version(row)
        if not accept:
            return p
        return self.save_version(p.name, p.yaml, author=author, role=role, parent=p.parent,
                                 note=f"accepted proposal {proposal} of {p.nation} "
                                      f"({p.author}): {p.note}".rstrip(": "))

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


def _headline(skeleton: Any) -> dict[str, Any]:
    """Coverage per state from a result skeleton (summaries are small dicts, never tables)."""
    if not isinstance(skeleton, dict):
        return {}
    summaries = [skeleton.get("summary")] + [p.get("summary") for p in skeleton.get("plans", [])
                                             if isinstance(p, dict)]
    out: dict[str, Any] = {}
    for s in summaries:
        if isinstance(s, dict) and "coverage" in s:
            out[str(s.get("state", ""))] = {"coverage": s["coverage"],
                                            "essential_coverage": s.get("essential_coverage")}
    return out


def _run(row: RunRow, payload: dict[str, Any]) -> Run:
    created = row.created if row.created.tzinfo else row.created.replace(tzinfo=UTC)
    return Run(id=row.id, created=created, command=row.command, scenario_name=row.scenario_name,
               scenario_file=row.scenario_file, scenario_text=row.scenario_text,
               sha256=row.sha256, force_option=row.force_option, params=json.loads(row.params),
               willing_version=row.willing_version, seconds=row.seconds,
               timings=json.loads(row.timings), status=row.status, payload=payload,
               headline=_headline(json.loads(row.result)))


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




def ledger_summary(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Units by capability and current status (each pledge at its latest step): the coalition
    aggregate every viewer may see."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for e in entries:
        latest[(e["nation"], e["pledge"])] = e
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for e in latest.values():
        t = totals.setdefault((e["capability"], e["status"]), {
            "capability": e["capability"], "status": e["status"], "pledges": 0, "units": 0})
        t["pledges"] += 1
        t["units"] += e["count"]
    order = {s: i for i, s in enumerate((*LEDGER_STAGES, "withdrawn"))}
    return sorted(totals.values(), key=lambda t: (t["capability"], order[t["status"]]))


def diff(a: Run, b: Run) -> dict[str, Any]:
    """What changed from run `a` to run `b`: the scenario, the parameters and the results
    (coverage, gaps, leads, contributions for plans; changed scalar figures otherwise)."""
    out: dict[str, Any] = {"a": a.header(), "b": b.header()}
    same = a.sha256 == b.sha256
    lines = [] if same else list(difflib.unified_diff(
        (a.scenario_text or "").splitlines(), (b.scenario_text or "").splitlines(),
        f"run {a.id}: {a.scenario_file}", f"run {b.id}: {b.scenario_file}", lineterm="", n=1))
    out["scenario"] = {"same": same, "force_option": [a.force_option, b.force_option],
                       "diff": lines}
    out["params"] = {k: [a.params.get(k), b.params.get(k)] for k in sorted({*a.params, *b.params})
                     if a.params.get(k) != b.params.get(k)}
    plans_a, plans_b = plans_by_state(a.payload), plans_by_state(b.payload)
    out["plans"] = [_plan_diff(state, plans_a[state], plans_b[state])
                    for state in plans_a if state in plans_b]
    if not out["plans"]:
        fa, fb = _scalars(a.payload), _scalars(b.payload)
        out["figures"] = [{"path": k, "a": fa.get(k), "b": fb.get(k)} for k in sorted({*fa, *fb})
                          if fa.get(k) != fb.get(k)]
    return out


def plans_by_state(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The plans of a run's payload (one plan, or a contingency's plans) by their state."""
    found = [payload] if "summary" in payload and "allocation" in payload else [
        p for p in payload.get("plans", []) if isinstance(p, dict) and "summary" in p]
    return {str(p["summary"].get("state")): p for p in found}


HEADLINE = ["coverage", "essential_coverage", "units_filled", "personnel_deployed",
            "nations_contributing", "gaps"]


def _plan_diff(state: str, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    sa, sb = a["summary"], b["summary"]
    gaps_a = {g["requirement"]: g for g in a.get("gaps", [])}
    gaps_b = {g["requirement"]: g for g in b.get("gaps", [])}
    leads_a = {ld["component"]: ld.get("lead") for ld in a.get("leads", [])}
    leads_b = {ld["component"]: ld.get("lead") for ld in b.get("leads", [])}
    pers_a = {n["nation"]: n.get("personnel", 0) for n in a.get("by_nation", [])}
    pers_b = {n["nation"]: n.get("personnel", 0) for n in b.get("by_nation", [])}
    return {
        "state": state,
        "summary": [{"figure": k, "a": sa.get(k), "b": sb.get(k)} for k in HEADLINE
                    if sa.get(k) != sb.get(k)],
        "gaps": [{"requirement": r, "a": gaps_a[r]["unmet"] if r in gaps_a else 0,
                  "b": gaps_b[r]["unmet"] if r in gaps_b else 0,
                  "change": "opened" if r not in gaps_a else "closed" if r not in gaps_b
                  else "changed", "reason": (gaps_b.get(r) or gaps_a[r]).get("reason", "")}
                 for r in sorted({*gaps_a, *gaps_b})
                 if (gaps_a.get(r) or {}).get("unmet") != (gaps_b.get(r) or {}).get("unmet")],
        "leads": [{"component": c, "a": leads_a.get(c), "b": leads_b.get(c)}
                  for c in sorted({*leads_a, *leads_b}) if leads_a.get(c) != leads_b.get(c)],
        "contributions": [{"nation": n, "a": pers_a.get(n, 0), "b": pers_b.get(n, 0),
                           "change": (pers_b.get(n, 0) or 0) - (pers_a.get(n, 0) or 0)}
                          for n in sorted({*pers_a, *pers_b})
                          if pers_a.get(n, 0) != pers_b.get(n, 0)],
    }


def _scalars(v: Any, path: str = "", depth: int = 0) -> dict[str, Any]:
    """Scalar figures of a payload by path, two dict levels deep (tables are left out)."""
    if isinstance(v, dict) and depth < 3:
        out: dict[str, Any] = {}
        for k, x in v.items():
            out.update(_scalars(x, f"{path}.{k}" if path else str(k), depth + 1))
        return out
    return {path: v} if v is None or isinstance(v, str | int | float | bool) else {}


__all__ = ["DEFAULT_URL", "ENV_VAR", "LEDGER_STAGES", "VERSION_STATUSES", "Run", "Store", "Version",
           "default_url", "diff", "jsonable", "ledger_summary"]
