"""The run store on PostgreSQL works as on SQLite: a throwaway cluster started for the test.

Needs Debian's PostgreSQL server binaries (`initdb`, `pg_ctl`), the `postgres` system user to
run them as (the server refuses to run as root) and the psycopg driver (dev extra).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import willing
from willing.cli import app
from willing.store import Store, diff

BIN = Path("/usr/lib/postgresql/15/bin")


def _tool(name: str) -> str | None:
    found = BIN / name
    return str(found) if found.exists() else shutil.which(name)


def _missing() -> str | None:
    if _tool("initdb") is None or _tool("pg_ctl") is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not installed"
    if shutil.which("runuser") is None or os.geteuid() != 0:
        return "needs root and runuser to start PostgreSQL as the postgres user"
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres system user"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg not installed (pip install -e '.[dev]')"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_missing() is not None,
                                                   reason=str(_missing()))]


def _as_postgres(*cmd: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    # not under pytest's tmp_path: its parents are root-only, and the server runs as postgres
    root = Path(tempfile.mkdtemp(prefix="willing-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    shutil.chown(root, "postgres")
    shutil.chown(sock, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _as_postgres(str(_tool("initdb")), "-D", str(data), "-U", "postgres", "--auth=trust")
    _as_postgres(str(_tool("pg_ctl")), "-D", str(data), "-w", "-l", str(root / "log"), "-o",
                 f"-p {port} -k {sock} -c listen_addresses=''", "start")
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={sock}&port={port}"
    finally:
        _as_postgres(str(_tool("pg_ctl")), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_runs_round_trip_and_diff_on_postgresql(pg_url: str) -> None:
    sc = willing.load_scenario()
    a = json.loads(json.dumps(willing.plan(sc).to_dict()))
    b = json.loads(json.dumps(willing.plan(sc, "violation").to_dict()))
    with Store(pg_url) as st:
        ia = st.add("plan", a, scenario=sc, params={"state": "ceasefire"}, seconds=1.0)
        ib = st.add("plan", b, scenario=sc, params={"state": "violation"}, seconds=1.0)
        ra, rb = st.get(ia), st.get(ib)
        assert ra.payload == a and rb.payload == b and ra.sha256 == sc.sha256
        assert [r.id for r in st.list()] == [ib, ia]
        assert ra.created.tzinfo is not None
        entry = st.record_pledge(nation="POL", pledge="POL-1", capability="infantry-battalion",
                                 count=2, status="announced", date="2025-03-01", source="test")
        assert st.ledger("POL")[0]["id"] == entry
    d = diff(ra, rb)
    assert d["scenario"]["same"] and d["plans"] == []  # different states: nothing to pair
    assert {f["path"] for f in d["figures"]} >= {"summary.state", "summary.coverage"}


def test_cli_records_into_postgresql(pg_url: str) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["--db", pg_url, "plan", "--state", "pre-ceasefire", "--json"])
    assert res.exit_code == 0, res.output
    listed = json.loads(runner.invoke(app, ["--db", pg_url, "runs", "list", "--json"]).stdout)
    newest = listed["runs"][0]
    assert listed["store"] == pg_url and newest["params"]["states"] == ["pre-ceasefire"]
    shown = json.loads(runner.invoke(app, ["--db", pg_url, "runs", "show", str(newest["id"]),
                                           "--json"]).stdout)
    assert shown["payload"] == json.loads(res.stdout)
