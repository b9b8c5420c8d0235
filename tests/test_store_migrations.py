"""The run store's schema comes from its migrations: a store written by willing 0.1.0 (before
migrations existed) opens, reads back every run as it was written, gains the later tables
(scenario versions) and takes new runs and versions."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import willing
from willing import migrations
from willing.store import Base, Store

DATA = Path(__file__).parent / "data"
OLD = json.loads((DATA / "store-0.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    """A copy of the store written by willing 0.1.0 (the fixture itself is never written)."""
    path = tmp_path / "store-0.1.0.sqlite"
    with gzip.open(DATA / "store-0.1.0.sqlite.gz") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


def _schema(path: Path) -> set[tuple[str, str, str]]:
    """Tables and indexes with their SQL, without Alembic's own version table."""
    con = sqlite3.connect(path)
    try:
        return {(t, n, sql) for t, n, sql in con.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
            if n != migrations.VERSION_TABLE}
    finally:
        con.close()


def _version(path: Path) -> list[tuple[str]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT version_num FROM {migrations.VERSION_TABLE}").fetchall()
    finally:
        con.close()


def test_the_old_store_opens_and_reads_every_run_as_written(old_store: Path) -> None:
    before = _schema(old_store)
    assert not any(n == migrations.VERSION_TABLE for _, n, _ in before)
    with Store(f"sqlite:///{old_store}") as s:
        listed = s.list()
        assert [r.id for r in listed] == [r["id"] for r in reversed(OLD["runs"])]
        for want in OLD["runs"]:
            run = s.get(want["id"])
            got = hashlib.sha256(json.dumps(run.payload, sort_keys=True).encode()).hexdigest()
            assert got == want["payload_sha256"], f"run {want['id']} ({want['command']})"
            assert (run.command, run.params, run.sha256, run.force_option, run.status,
                    run.headline) == (want["command"], want["params"], want["sha256"],
                                      want["force_option"], want["status"], want["headline"])
            text = run.scenario_text
            assert (hashlib.sha256(text.encode()).hexdigest() if text else None) == \
                want["scenario_text_sha256"]
        assert s.ledger() == OLD["ledger"]
    assert _version(old_store) == [(migrations.HEAD,)]
    after = _schema(old_store)
    assert before <= after  # stamped, not rebuilt: the 0.1.0 tables are the baseline
    assert {n for _t, n, _sql in after - before} == {"scenario_versions",
                                                     "ix_scenario_versions_name"}


def test_the_old_store_takes_new_runs_and_ledger_steps(old_store: Path) -> None:
    sc = willing.load_scenario()
    payload = json.loads(json.dumps(willing.plan(sc, "violation").to_dict()))
    with Store(f"sqlite:///{old_store}") as s:
        new_id = s.add("plan", payload, scenario=sc, params={"states": ["violation"]})
        assert new_id == max(r["id"] for r in OLD["runs"]) + 1
        step = s.record_pledge(nation="POL", pledge="POL-1", capability="infantry-battalion",
                               count=2, status="deployed", date="2025-09-01", source="test")
        version = s.save_version(sc.name, sc.text, author="J5", role="planner", note="first")
    with Store(f"sqlite:///{old_store}") as s:  # reopened: already at the head, nothing to do
        assert s.get(new_id).payload == payload
        assert s.versions() == [s.version(version.id)] and version.yaml == sc.text
        assert [e["status"] for e in s.ledger("POL")] == ["announced", "committed", "deployed"]
        assert s.ledger("POL")[-1]["id"] == step


def test_a_new_store_has_the_schema_of_a_migrated_0_1_0_store_and_the_models_match_it(
        tmp_path: Path, old_store: Path) -> None:
    new = tmp_path / "new.sqlite"
    Store(f"sqlite:///{new}").close()
    Store(f"sqlite:///{old_store}").close()
    assert _schema(new) == _schema(old_store)
    assert _version(new) == [(migrations.HEAD,)]
    with Store(f"sqlite:///{new}") as s, s.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_head_is_the_newest_packaged_migration() -> None:
    assert ScriptDirectory(str(migrations.HERE)).get_current_head() == migrations.HEAD


def test_a_store_from_a_newer_willing_is_refused_with_its_version(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    Store(f"sqlite:///{path}").close()
    con = sqlite3.connect(path)
    con.execute(f"UPDATE {migrations.VERSION_TABLE} SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(ValueError, match="9999"):
        Store(f"sqlite:///{path}")


OPENER = """
import sys, time
from pathlib import Path
from willing.store import Store
print("ready", flush=True)
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.0005)
with Store(sys.argv[1]) as s:
    s.add("plan", {"opened": True})
"""


@pytest.mark.slow
def test_processes_opening_a_new_store_at_once_migrate_it_once(tmp_path: Path) -> None:
    """Without the lock, two of eight such processes failed on alembic_version's unique key."""
    url, go = f"sqlite:///{tmp_path}/race.sqlite", tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, url, str(go)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(8)]
    for p in procs:  # every process has imported willing: they open the store together
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
    go.touch()
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    assert _version(tmp_path / "race.sqlite") == [(migrations.HEAD,)]
    with Store(url) as s:
        assert len(s.list()) == 8
