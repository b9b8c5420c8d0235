"""Adding an analysis is its module and one registration: the worked example of
docs/architecture.md, run as written, gets its CLI command, its stored runs, its report section
and its releasability from the registry."""

from __future__ import annotations

import json
import re
import sys
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx versions, not ours
    from fastapi.testclient import TestClient

from willing import analyses
from willing.cli import app
from willing.server import create_app
from willing.server.access import Role, Viewer
from willing.store import Store

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def example() -> tuple[str, str]:
    """The module and the registration of the worked example, as the page shows them."""
    text = DOC.read_text(encoding="utf-8").split("## Adding an analysis", 1)[1].split("\n## ")[0]
    module, registration = re.findall(r"```python\n(.*?)```", text, re.S)
    return module, registration


@pytest.fixture
def idle() -> Iterator[types.ModuleType]:
    source, registration = example()
    module = types.ModuleType("willing_idle_example")
    sys.modules[module.__name__] = module  # dataclasses resolve annotations through it
    exec(compile(source, str(DOC), "exec"), module.__dict__)
    exec(registration, {**module.__dict__, "register": analyses.register,
                        "Analysis": analyses.Analysis})
    yield module
    analyses.unregister("idle")
    app.registered_commands = [c for c in app.registered_commands if c.name != "idle"]
    del sys.modules[module.__name__]


def test_the_example_is_two_files_worth() -> None:
    module, registration = example()
    assert registration.strip().count("\n") == 0  # one registration line
    assert "def to_dict" not in module and "def _repr_html_" not in module  # derived


def test_a_registered_analysis_is_a_command_a_stored_run_a_section_and_filtered(
        idle: types.ModuleType, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    out = CliRunner().invoke(app, ["--db", db, "idle", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["state"] and {"POL", "FRA"} <= {n["nation"] for n in data["nations"]}
    text = CliRunner().invoke(app, ["--no-store", "idle", "--state", "no-such-state"])
    assert text.exit_code == 2 and "no-such-state" in text.output
    with Store(db) as st:
        [run] = st.list(command="idle")
        assert st.get(run.id).payload["nations"] == data["nations"]
    view = idle.idle(_plan())._repr_html_()
    assert "Idle units by nation" in view and "<table" in view

    users = {"p": Viewer(Role.PLANNER), "pol": Viewer(Role.NATIONAL, "POL"),
             "obs": Viewer(Role.OBSERVER)}
    with TestClient(create_app(db, users)) as c:
        def get(path: str, token: str) -> Any:
            return c.get(path, headers={"Authorization": f"Bearer {token}"}).json()

        assert {n["nation"] for n in get(f"/api/runs/{run.id}", "pol")["payload"]["nations"]} \
            == {"POL"}
        assert get(f"/api/runs/{run.id}", "obs")["payload"]["nations"] == []
        listed = {a["name"]: a for a in get("/api/analyses", "obs")}
        assert listed["idle"] == {"name": "idle", "summary": idle.idle.__doc__, "result":
                                  "IdleResult", "in_report": True, "per_plan": True}
        planner = _section(get(f"/api/runs/{run.id}/sections", "p"))
        pol = _section(get(f"/api/runs/{run.id}/sections", "pol"))
    nation = planner["columns"].index("nation")
    assert {r[nation] for r in planner["data"]} == {n["nation"] for n in data["nations"]}
    assert {r[nation] for r in pol["data"]} == {"POL"}


def test_a_name_registers_once(idle: types.ModuleType) -> None:
    with pytest.raises(ValueError, match="'idle' is already registered"):
        analyses.register(analyses.get("idle"))  # type: ignore[arg-type]


def _plan() -> Any:
    from willing import load_scenario, plan

    return plan(load_scenario())


def _section(body: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in body["sections"] if s["id"] == "idle")["table"]
