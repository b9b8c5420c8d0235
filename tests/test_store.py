"""The run store keeps what it is given, and survives a writer killed mid-transaction."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import willing
from willing.cli import app
from willing.store import ARRAY_MIN, Store

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))


@st.composite
def tables(draw: st.DrawFn) -> list[dict[str, object]]:
    cols = draw(st.lists(st.text("abcdefgh", min_size=1, max_size=4), min_size=1, max_size=4,
                         unique=True))
    n = draw(st.integers(1, 20))
    return [{c: draw(scalars) for c in cols} for _ in range(n)]


payloads = st.dictionaries(
    st.text("xyz", min_size=1, max_size=3),
    st.one_of(scalars, tables(), st.lists(st.floats(-1e6, 1e6), min_size=ARRAY_MIN,
                                          max_size=ARRAY_MIN + 50),
              st.dictionaries(st.sampled_from(["a", "b"]), st.one_of(scalars, tables()))),
    max_size=5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=payloads)
def test_payload_round_trips(tmp_path: Path, payload: dict[str, object]) -> None:
    with Store(f"sqlite:///{tmp_path}/rt.db") as s:
        run_id = s.add("plan", payload, params={"k": 1})
        assert s.get(run_id).payload == json.loads(json.dumps(payload))


def test_tables_and_arrays_go_to_their_own_rows(tmp_path: Path) -> None:
    sc = willing.load_scenario()
    result = willing.plan(sc)
    payload = json.loads(json.dumps({**result.to_dict(), "sample": [0.5] * 1000}))
    with Store(f"sqlite:///{tmp_path}/t.db") as s:
        run_id = s.add("plan", payload, scenario=sc, params={"state": result.state})
        run = s.get(run_id)
    con = sqlite3.connect(tmp_path / "t.db")
    paths = {p for (p,) in con.execute("select path from run_tables where run_id=?", (run_id,))}
    assert {"allocation", "gaps", "leads", "by_nation"} <= paths
    assert con.execute("select length from run_arrays").fetchall() == [(1000,)]
    assert len(con.execute("select result from runs").fetchone()[0]) < 5000  # skeleton only
    assert run.sha256 == sc.sha256 and run.scenario_text == sc.text
    frame = run.table("allocation")
    assert frame["personnel"].sum() == result.allocation["personnel"].sum()
    assert run.payload == payload


def test_every_cli_run_is_recorded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", url, "plan", "--json"]).exit_code == 0
    assert runner.invoke(app, ["--db", url, "--no-store", "plan", "--json"]).exit_code == 0
    out = runner.invoke(app, ["--db", url, "plan", "--state", "violation"])
    assert out.exit_code == 0, out.output
    with Store(url) as s:
        runs = s.list()
        assert [r.params["states"] for r in runs] == [["violation"], ["ceasefire"]]
        assert s.get(runs[1].id).payload["summary"]["state"] == "ceasefire"
        assert all(r.seconds and r.seconds > 0 for r in runs)


def test_unknown_run_and_bad_url_are_clear_errors(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path}/e.db") as s, pytest.raises(ValueError, match="no run 7"):
        s.get(7)
    with pytest.raises(ValueError, match="not a database URL"):
        Store("nonsense://")


WRITER = textwrap.dedent("""
    import sys
    from willing.store import Store
    store = Store(sys.argv[1])
    i = 0
    while True:
        rows = [{"i": i, "k": k, "v": k * 0.5, "s": "x" * 40} for k in range(30000)]
        print("writing", i, flush=True)
        run_id = store.add("plan", {"i": i, "rows": rows}, params={"i": i})
        print("done", i, run_id, flush=True)
        i += 1
""")


@pytest.mark.slow
def test_sigkill_mid_write_leaves_earlier_runs_intact(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/kill.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    done: dict[int, int] = {}
    for line in proc.stdout:
        word, i, *rest = line.split()
        if word == "done":
            done[int(i)] = int(rest[0])
        elif len(done) >= 4:  # "writing": the process is inside a transaction now
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(tmp_path / "kill.db")
    assert con.execute("pragma integrity_check").fetchone() == ("ok",)
    con.close()
    with Store(url) as s:
        ids = [r.id for r in s.list()]
        # the interrupted run is either absent or (if the kill came after its commit) whole
        assert set(done.values()) <= set(ids) and len(ids) <= len(done) + 1
        for run_id in set(ids) - set(done.values()):
            assert len(s.get(run_id).payload["rows"]) == 30000
        for i, run_id in done.items():
            run = s.get(run_id)
            assert run.params == {"i": i} and run.payload["i"] == i
            assert len(run.payload["rows"]) == 30000 and run.payload["rows"][-1]["k"] == 29999
        assert s.add("plan", {"after": True}) > max(ids)  # and it still takes new runs


def test_runs_list_show_and_diff_against_the_stored_tables(tmp_path: Path) -> None:
    """Edit a pledge in a copy of the packaged scenario; the diff names the line and the changes,
    and every figure in it matches the two runs' stored tables."""
    from willing.scenario import packaged

    base = packaged.scenario_text()
    old = "- {capability: armoured-battalion, count: 3, readiness_days: 60, regions: [ua-kyiv, ua-west]"
    assert base.count(old) == 1
    edited = tmp_path / "edited.yaml"
    edited.write_text(base.replace(old, old.replace("count: 3", "count: 9")), encoding="utf-8")
    url = f"sqlite:///{tmp_path}/d.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", url, "plan", "--json"]).exit_code == 0
    assert runner.invoke(app, ["--db", url, "plan", str(edited), "--json"]).exit_code == 0

    listed = json.loads(runner.invoke(app, ["--db", url, "runs", "list", "--json"]).stdout)
    assert [r["id"] for r in listed["runs"]] == [2, 1]
    shown = json.loads(runner.invoke(app, ["--db", url, "runs", "show", "2", "--json"]).stdout)
    assert shown["file"] == str(edited) and shown["scenario_text"] == edited.read_text()

    res = runner.invoke(app, ["--db", url, "runs", "diff", "1", "2", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert not d["scenario"]["same"]
    assert any(line.startswith("+") and "count: 9" in line for line in d["scenario"]["diff"])
    with Store(url) as s:
        a, b = s.get(1), s.get(2)
    (p,) = d["plans"]
    assert p["contributions"] and p["gaps"] and p["summary"]  # the edit changes the plan
    pa = a.table("by_nation").set_index("nation")["personnel"]
    pb = b.table("by_nation").set_index("nation")["personnel"]
    changed = {n for n in pa.index if pa[n] != pb[n]}
    assert {c["nation"] for c in p["contributions"]} == changed
    for c in p["contributions"]:
        assert (c["a"], c["b"], c["change"]) == (pa[c["nation"]], pb[c["nation"]],
                                                 pb[c["nation"]] - pa[c["nation"]])
    ga = a.table("gaps").set_index("requirement")["unmet"].to_dict()
    gb = b.table("gaps").set_index("requirement")["unmet"].to_dict()
    assert {g["requirement"] for g in p["gaps"]} == {r for r in {*ga, *gb}
                                                     if ga.get(r, 0) != gb.get(r, 0)}
    for g in p["gaps"]:
        assert (g["a"], g["b"]) == (ga.get(g["requirement"], 0), gb.get(g["requirement"], 0))
    text = runner.invoke(app, ["--db", url, "runs", "diff", "1", "2"])
    assert text.exit_code == 0 and "count: 9" in text.stdout
    assert all(len(line) <= 100 for line in text.stdout.splitlines())
    assert runner.invoke(app, ["--db", url, "runs", "show", "9"]).exit_code == 2


def test_an_empty_ledger_starts_from_the_packaged_public_ledger(tmp_path: Path) -> None:
    from willing.scenario.ledger import packaged_ledger, store_rows

    steps = list(store_rows(packaged_ledger()))
    with Store(f"sqlite:///{tmp_path / 'runs.db'}") as st:
        assert st.seed_ledger(steps) == len(steps) > 0
        assert [(e["nation"], e["pledge"], e["status"]) for e in st.ledger()] == [
            (s["nation"], s["pledge"], s["status"]) for s in steps]
        assert st.seed_ledger(steps) == 0  # a ledger with entries is kept as it is
        assert len(st.ledger()) == len(steps)
