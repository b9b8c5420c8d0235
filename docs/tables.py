"""Write the generated tables of the docs from the code that defines them.

- docs/scenario.md: one table per scenario model (attribute, type and range, default,
  description), from the JSON Schema of the pydantic models, the one place a field is declared.
- docs/data.md: the columns of the packaged tables, from `data/attributes/*.csv`, the one
  place a column is declared (type, unit, default, status, range, description).
- docs/forcegen.md: the variable and constraint blocks of the force-generation MILP, from
  their registry (`willing.forcegen.blocks`), and the gap reasons, from
  `willing.forcegen.gaps.REASONS`.

Each table sits between `<!-- tables:begin -->` and `<!-- tables:end -->`, so the docs cannot
drift from what the code does; `tests/test_docs.py` fails when a file is out of date.

    python docs/tables.py          # rewrite the tables in place
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from willing.forcegen.blocks import CONSTRAINT_BLOCKS, VARIABLES
from willing.forcegen.gaps import REASONS
from willing.scenario.attributes import attributes
from willing.scenario.model import ScenarioSpec
from willing.scenario.packaged import DATA

HERE = Path(__file__).parent
BEGIN, END = "<!-- tables:begin -->", "<!-- tables:end -->"
ID_PATTERN = "^[a-z0-9][a-z0-9-]*$"


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short reading of a JSON Schema property: `integer ≥ 0`, `list of id`, `map id → Region`."""
    if not isinstance(prop, dict):  # `additionalProperties: true`
        return "any"
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        target = defs.get(name, {})
        return _type(target, defs) if "enum" in target else f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        parts = [_type(p, defs) for p in prop["anyOf"] if p.get("type") != "null"]
        return " or ".join(parts)
    if "oneOf" in prop:
        return "one of " + ", ".join(_type(p, defs) for p in prop["oneOf"])
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type", "any")
    if kind == "array":
        return "list of " + _type(prop.get("items", {}), defs)
    if kind == "object":
        patterns = prop.get("patternProperties", {})
        if ID_PATTERN in patterns:
            return f"map id → {_type(patterns[ID_PATTERN], defs)}"
        keys = prop.get("propertyNames", {})
        key = " / ".join(keys["enum"]) if "enum" in keys else "string"
        return f"map {key} → {_type(prop.get('additionalProperties', {}), defs)}"
    if kind == "string" and prop.get("pattern") == ID_PATTERN:
        return "id"
    bounds = []
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
                      ("exclusiveMaximum", "<")):
        if key in prop:
            bounds.append(f"{sign} {prop[key]:g}")
    return " ".join([{"number": "number", "integer": "integer", "string": "string",
                      "boolean": "boolean"}.get(kind, kind), *bounds])


def _default(name: str, prop: dict[str, Any], required: list[str]) -> str:
    if name in required:
        return "**required**"
    if "default" not in prop or prop["default"] in (None, [], {}):
        return "—"
    return f"`{prop['default']}`" if not isinstance(prop["default"], dict) else "see below"


def scenario_tables() -> str:
    """Every model of the scenario file, the top level first, as markdown tables."""
    schema = ScenarioSpec.model_json_schema(by_alias=True)
    defs = schema.get("$defs", {})
    models = {"ScenarioSpec": schema, **defs}
    out: list[str] = []
    for name, model in models.items():
        if "properties" not in model:
            continue  # enums are shown inline where they are used
        out += [f"### {name}", ""]
        if model.get("description"):
            out += [" ".join(model["description"].split()), ""]
        out += ["| attribute | type | default | description |", "| --- | --- | --- | --- |"]
        required = model.get("required", [])
        for attr, prop in model["properties"].items():
            desc = " ".join((prop.get("description") or "").split()).replace("|", "/")
            out.append(f"| `{attr}` | {_type(prop, defs)} | {_default(attr, prop, required)} | {desc} |")
        out.append("")
    return "\n".join(out)


def forcegen_tables() -> str:
    """The registered blocks of the MILP and the gap reasons, as markdown tables."""
    rows = ["| variable | kind | meaning |", "| --- | --- | --- |"]
    rows += [f"| `{name}[{','.join(v.domains)}]` | {v.kind} | "
             f"{v.description.replace('|', '/')} |" for name, v in VARIABLES.items()]
    rows += ["", "| constraint | rows | stages | meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| `{name}` | {'one per ' + ' × '.join(c.domains) if c.build else 'added by the solver'}"
             f" | {c.stages[0]}{'' if len(c.stages) == 1 else ' on'} | "
             f"{c.description.replace('|', '/')} |" for name, c in CONSTRAINT_BLOCKS.items()]
    rows += ["", "| reason code | meaning |", "| --- | --- |"]
    rows += [f"| `{code}` | {text} |" for code, text in REASONS.items()]
    return "\n".join(rows) + "\n"


def data_tables() -> str:
    """The declared columns of each packaged table, as markdown tables."""
    out: list[str] = []
    for table in ("nations", "capabilities"):
        out += [f"### {table}.csv", "",
                "| column | type | unit | default | status | valid | description |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for a in attributes(DATA, table).values():
            default = f"`{a.default}`" if a.default else "—"
            desc = a.description.replace("|", "/")
            out.append(f"| `{a.name}` | {a.type} | {a.unit or '—'} | {default} | "
                       f"{a.status.removeprefix('Input (').rstrip(')')} | "
                       f"{a.valid().replace('|', '/')} | {desc} |")
        out.append("")
    return "\n".join(out)


GENERATED: dict[str, Callable[[], str]] = {"scenario.md": scenario_tables,
                                            "forcegen.md": forcegen_tables,
                                            "data.md": data_tables}


def render(text: str, tables: str) -> str:
    """`text` with the part between the markers replaced by `tables`."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{tables}\n{END}{tail}"


if __name__ == "__main__":
    for doc, make in GENERATED.items():
        path = HERE / doc
        path.write_text(render(path.read_text(encoding="utf-8"), make()), encoding="utf-8")
