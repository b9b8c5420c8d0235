"""The golden cases: every command's JSON on the packaged scenario and two synthetic ones.

`python tests/golden/cases.py` writes `tests/golden/*.json` from the code as it is; the test
`tests/test_golden.py` runs the same cases and compares. Regenerate only when a change of
output is intended, and say in the commit which figures changed and why.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from typer.testing import CliRunner

HERE = Path(__file__).parent

SYNTHETIC = {"synthetic-a": (8, 40, 14, 2, 1), "synthetic-b": (10, 60, 18, 3, 2)}
"""name → (nations, pledges, requirements, states, seed) of `willing.synthetic.synthetic_spec`."""

COMMANDS: dict[str, list[str]] = {
    "plan": ["plan", "--all-states"],
    "command": ["command", "--format", "json"],
    "burden": ["burden"],
    "contingency": ["contingency", "--all"],
    "buildup": ["buildup"],
    "sustain": ["sustain"],
    "stress": ["stress", "--draws", "4000", "--seed", "3"],
    "pivotal": ["pivotal", "--permutations", "40", "--samples", "40", "--seed", "3"],
    "sweep": ["sweep", "--grid", "us_backstop=0.2,0.8", "--grid", "correlation=0,0.5",
              "--draws", "2000", "--seed", "3"],
}
"""Each command with the options that keep it small and deterministic."""

VOLATILE = {"seconds", "total_seconds", "timings", "elapsed", "started", "file", "sha256",
            "created", "version", "run_id", "workers"}
"""Keys whose values depend on the machine, the clock or the file's path, not on the model."""


def scenario_file(name: str, folder: Path) -> str:
    """The packaged scenario by name, or a synthetic one written to `folder` as YAML."""
    if name == "ukraine-2025":
        return name
    from willing.synthetic import synthetic_spec

    path = folder / f"{name}.yaml"
    YAML().dump(synthetic_spec(*SYNTHETIC[name]), path)
    return str(path)


def run(command: str, scenario: str) -> Any:
    """The command's `--json` output, with the volatile keys removed."""
    from willing.cli import app

    args = ["--no-store", *COMMANDS[command][:1], scenario, *COMMANDS[command][1:]]
    if command != "command":
        args.append("--json")
    out = CliRunner().invoke(app, args)
    if out.exit_code != 0:
        raise RuntimeError(f"willing {' '.join(args)} exited {out.exit_code}: {out.output[-2000:]}")
    return strip(json.loads(out.stdout))


def strip(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in VOLATILE and not k.endswith("seconds")}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def same(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two outputs differ; floats within a relative 1e-9 (solver noise aside)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only in {'golden' if k in a else 'new'}" for k in a.keys() ^ b.keys()]
        for k in a.keys() & b.keys():
            out += same(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items, now {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in same(x, y, f"{path}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(
                a, b, rel_tol=1e-9, abs_tol=1e-9):
            return []
    elif a == b:
        return []
    return [f"{path}: {a!r} != {b!r}"]


CASES = [(sc, cmd) for sc in ["ukraine-2025", *SYNTHETIC] for cmd in COMMANDS]


def golden_path(scenario: str, command: str) -> Path:
    return HERE / f"{scenario}.{command}.json"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for sc, cmd in CASES:
            if len(sys.argv) > 1 and cmd not in sys.argv[1:] and sc not in sys.argv[1:]:
                continue
            data = run(cmd, scenario_file(sc, Path(tmp)))
            golden_path(sc, cmd).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
            print("wrote", golden_path(sc, cmd).name)
