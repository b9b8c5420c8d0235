"""Sizing rules are registered by kind: one model, one derivation, the ids it names declared."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import willing
from willing import sizing
from willing.scenario import ScenarioError, packaged, parse_scenario
from willing.scenario.model import RULES, RuleBase

ROOT = Path(__file__).resolve().parents[1]


def test_every_rule_has_one_derivation_and_declares_its_references() -> None:
    assert set(RULES) == set(sizing.DERIVATIONS)
    for tag, model in RULES.items():
        assert model.model_fields["rule"].annotation.__args__ == (tag,)
        declared = {path.split(".")[0].rstrip("[]{}") for path in model.references}
        assert declared <= set(model.model_fields), tag
        for field in ("capability", "region", "escort_capability"):
            assert field not in model.model_fields or field in model.references, (tag, field)


def test_a_tag_used_twice_is_refused() -> None:
    with pytest.raises(TypeError, match="give a new `rule: Literal"):
        type("Again", (RuleBase,), {"__annotations__": {"rule": "Literal['cap']"},
                                    "__module__": __name__})


@pytest.mark.parametrize(("old", "new", "token", "message"), [
    ("region_split: {ua-kyiv: 0.4,", "region_split: {ua-kyev: 0.4,", "ua-kyev",
     r"requirements\[0\]\.region_split\.ua-kyev: unknown region 'ua-kyev'"),
    ("- {capability: infantry-battalion, share: rest}",
     "- {capability: infantry-batallion, share: rest}", "infantry-batallion",
     r"requirements\[0\]\.template\[0\]\.capability: unknown capability 'infantry-batallion'"),
    ("        escorts_per_convoy: 2\n",
     "        escorts_per_convoy: 2\n        escort_capability: frigat\n", "escort_capability",
     r"requirements\[0\]\.escort_capability: unknown capability 'frigat' \(did you mean "
     r"'frigate'\?\)"),
])
def test_declared_references_are_checked_with_their_line(old: str, new: str, token: str,
                                                         message: str) -> None:
    text = packaged.scenario_text()
    assert old in text, old
    text = text.replace(old, new, 1)
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "s.yaml")
    line = text[:text.index(token)].count("\n") + 1
    assert re.search(rf"s\.yaml:{line}:\d+ mission_lines\.\w+\.{message}", str(exc.value)), \
        str(exc.value)


SCRIPT = """
import json, sys
import willing
from willing import sizing
from willing.scenario import ScenarioError, parse_scenario
sc = parse_scenario(open(sys.argv[1]).read(), "s.yaml")
r = {x.id: x for x in sizing.derive(sc)}["land-medical"]
try:
    parse_scenario(open(sys.argv[1]).read().replace("medical-role2,", "medical-role3,"), "s.yaml")
    bad = ""
except ScenarioError as exc:
    bad = str(exc)
print(json.dumps({"file": willing.__file__, "count": r.count, "capability": r.capability,
                  "formula": r.formula, "rule": r.rule, "bad": bad}))
"""


def test_the_adding_a_sizing_rule_example_runs(tmp_path: Path) -> None:
    """docs/architecture.md: the model in model.py, the derivation in sizing.py, and no more."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Adding a sizing rule\n", 1)[1].split("\n## ", 1)[0]
    model, derivation, usage = re.findall(r"```[a-z]*\n(.*?)```", section, re.S)
    src = tmp_path / "src" / "willing"
    shutil.copytree(Path(willing.__file__).parent, src,
                    ignore=shutil.ignore_patterns("__pycache__"))
    model_py = src / "scenario" / "model.py"
    anchor = "if TYPE_CHECKING:\n    SizingRule"
    code = model_py.read_text(encoding="utf-8")
    assert anchor in code
    model_py.write_text(code.replace(anchor, f"{model}\n\n{anchor}"), encoding="utf-8")
    with (src / "sizing.py").open("a", encoding="utf-8") as f:
        f.write("\n\n" + derivation)
    scenario = packaged.scenario_text()
    marker = "  land:\n"
    head, tail = scenario.split(marker, 1)
    req = "    requirements:\n"
    tail = tail.replace(req, req + usage, 1)
    (tmp_path / "s.yaml").write_text(head + marker + tail, encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "s.yaml")],
                         capture_output=True, text=True, cwd=tmp_path, check=False,
                         env={**os.environ, "PYTHONPATH": str(tmp_path / "src")})
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["file"].startswith(str(src))
    assert (got["count"], got["capability"], got["rule"]) == (5, "medical-role2", "support")
    assert got["formula"] == "ceil(25,000 personnel / 5,000 per unit) = 5"
    assert "unknown capability 'medical-role3'" in got["bad"]
