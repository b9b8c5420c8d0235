"""The public ledger: dated statements of governments, and the pledges they add up to on a day.

A planner's first question is whether the pledges are today's. The packaged
`willing/data/ledger.csv` records what each government announced, committed, deployed, ruled
out or withdrew, with the report it was read in and the report's own words, so that a plan can
be built from the statements made up to any date (`as_of`) and each pledge traces to one of
them. Column meanings are in `data/attributes/ledger.csv`; `docs/ledger.md` explains the rules.
"""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pycountry

from willing.scenario import packaged
from willing.scenario.errors import Problem, ScenarioError
from willing.scenario.model import MISSION_LINES, Condition

COLUMNS = ("id", "date", "nation", "status", "capability", "count", "where", "conditions",
           "statement", "source", "url", "quote")
ACTIVE = ("announced", "committed", "deployed")
"""The steps of a pledge, in order; the latest one on a day says the pledge exists."""
STATUSES = (*ACTIVE, "ruled-out", "withdrawn")
SCOPES = ("", "ukraine", "outside-ukraine")
MAX_QUOTE_WORDS = 25
MAX_CHARS = {"id": 16, "statement": 200, "source": 200, "url": 500, "quote": 300}
DISPLAY_PATH = str(Path("willing/data") / "ledger.csv")


@dataclass(frozen=True)
class LedgerEntry:
    """One dated public statement of a government about its part in the force."""

    id: str
    date: date
    nation: str
    status: str
    capability: str
    count: int | None
    where: str
    conditions: tuple[str, ...]
    statement: str
    source: str
    url: str
    quote: str
    line: int = 0

    @property
    def key(self) -> tuple[str, str]:
        """The pledge a statement is a step of: one nation's capability or mission line."""
        return self.nation, self.capability

    @property
    def on_mission_line(self) -> bool:
        return self.capability in MISSION_LINES


class LedgerError(ScenarioError):
    """A ledger file that cannot be used, with every bad row: file, line, field, what is valid."""

    def __str__(self) -> str:
        return "\n".join(f"{self.file}:{p.line} {p.path[0] if p.path else '(file)'}: {p.message}"
                         for p in self.problems)


def read_ledger(path: str | Path | None = None, *,
                capabilities: Sequence[str] | None = None) -> list[LedgerEntry]:
    """Read and validate a ledger CSV (the packaged one when no path is given).

    `capabilities` are the valid capability ids (the packaged catalogue by default). Raises
    `LedgerError` listing every problem found, not just the first.
    """
    if path is None:
        return list(packaged_ledger())
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(str(path), [Problem((), f"cannot read the file: {exc}", 1)]) from None
    return parse_ledger(text, str(path), capabilities=capabilities)


@cache
def packaged_ledger() -> tuple[LedgerEntry, ...]:
    """The packaged ledger, validated once per process."""
    text = (packaged.DATA / "ledger.csv").read_text(encoding="utf-8")
    return tuple(parse_ledger(text, DISPLAY_PATH))


def parse_ledger(text: str, file: str = "<ledger>", *,
                 capabilities: Sequence[str] | None = None) -> list[LedgerEntry]:
    """Validate ledger CSV text; `file` is the name problems are reported under."""
    valid_caps = set(capabilities if capabilities is not None else packaged.capabilities())
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = tuple(reader.fieldnames or ())
    if header != COLUMNS:
        raise LedgerError(file, [Problem(("header",), f"columns must be {','.join(COLUMNS)}; "
                                         f"got {','.join(header) or 'none'}", 1)])
    entries: list[LedgerEntry] = []
    problems: list[Problem] = []
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            problems.append(Problem(("row",), f"expected {len(COLUMNS)} fields, got a different "
                                    "number (quote fields that contain commas)", line))
            continue
        entry, found = _entry(row, line, valid_caps)
        problems += found
        if entry is not None:
            entries.append(entry)
    problems += _duplicates(entries)
    if problems:
        raise LedgerError(file, problems)
    return entries


def _entry(row: dict[str, str], line: int,
           valid_caps: set[str]) -> tuple[LedgerEntry | None, list[Problem]]:
    """One row checked field by field; every problem of the row is reported."""
    v = {k: row[k].strip() for k in COLUMNS}
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem((field,), message, line))

    for field, limit in MAX_CHARS.items():
        if len(v[field]) > limit:
            bad(field, f"at most {limit} characters, got {len(v[field])}")
    for field in ("id", "statement", "source", "url", "quote"):
        if not v[field]:
            bad(field, "must not be empty")
    if v["id"] and not (v["id"][0] == "L" and v["id"][1:].isdigit()):
        bad("id", f"must be L followed by digits (e.g. L007), got '{v['id']}'")
    day: date | None = None
    try:
        day = date.fromisoformat(v["date"])
    except ValueError:
        bad("date", f"must be an ISO date YYYY-MM-DD, got '{v['date']}'")
    if pycountry.countries.get(alpha_3=v["nation"]) is None:
        bad("nation", f"must be an ISO 3166 alpha-3 code (e.g. GBR), got '{v['nation']}'")
    if v["status"] not in STATUSES:
        bad("status", f"must be one of {', '.join(STATUSES)}, got '{v['status']}'")
    if v["capability"] not in valid_caps and v["capability"] not in MISSION_LINES:
        bad("capability", f"must be a capability id from the catalogue or a mission line "
            f"({', '.join(MISSION_LINES)}), got '{v['capability']}'")
    count: int | None = None
    if v["count"]:
        if not v["count"].isdigit():
            bad("count", f"must be a whole number ≥ 0 or empty, got '{v['count']}'")
        elif v["capability"] in MISSION_LINES:
            bad("count", "a count needs a catalogue capability, not a mission line (units of what?)")
        else:
            count = int(v["count"])
    if v["where"] not in SCOPES:
        bad("where", f"must be ukraine, outside-ukraine or empty, got '{v['where']}'")
    conditions = tuple(c.strip() for c in v["conditions"].split("|") if c.strip())
    valid_conditions = [str(c) for c in Condition]
    for c in conditions:
        if c not in valid_conditions:
            bad("conditions", f"unknown condition '{c}'; valid: {', '.join(valid_conditions)} "
                "(separated by '|')")
    if v["url"] and not v["url"].startswith(("http://", "https://")):
        bad("url", f"must start with http:// or https://, got '{v['url'][:40]}'")
    words = len(v["quote"].split())
    if words > MAX_QUOTE_WORDS:
        bad("quote", f"at most {MAX_QUOTE_WORDS} words, got {words}")
    if problems or day is None:
        return None, problems
    return LedgerEntry(id=v["id"], date=day, nation=v["nation"], status=v["status"],
                       capability=v["capability"], count=count, where=v["where"],
                       conditions=conditions, statement=v["statement"], source=v["source"],
                       url=v["url"], quote=v["quote"], line=line), []


def _duplicates(entries: Sequence[LedgerEntry]) -> list[Problem]:
    """Ids are unique, and a pledge has at most one step a day (else 'the latest' is ambiguous)."""
    problems: list[Problem] = []
    ids: dict[str, int] = {}
    steps: dict[tuple[str, str, date], int] = {}
    for e in entries:
        if e.id in ids:
            problems.append(Problem(("id",), f"duplicate id {e.id} (first on line {ids[e.id]})",
                                    e.line))
        ids.setdefault(e.id, e.line)
        k = (*e.key, e.date)
        if k in steps:
            problems.append(Problem(("date",), f"{e.nation} {e.capability} already has a step on "
                                    f"{e.date} (line {steps[k]}); one step a day per pledge", e.line))
        steps.setdefault(k, e.line)
    return problems


def ledger_frame(entries: Sequence[LedgerEntry]) -> pd.DataFrame:
    """The entries as a table, one row each, conditions joined with '|'."""
    rows = [{"id": e.id, "date": pd.Timestamp(e.date), "nation": e.nation, "status": e.status,
             "capability": e.capability, "count": e.count, "where": e.where,
             "conditions": "|".join(e.conditions), "statement": e.statement, "source": e.source,
             "url": e.url, "quote": e.quote} for e in entries]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["count"] = frame["count"].astype("Int64")
    return frame.set_index("id")


def latest_steps(entries: Sequence[LedgerEntry], day: date) -> dict[tuple[str, str], LedgerEntry]:
    """Each pledge's latest step on or before `day`, by (nation, capability or mission line).

    A step that gives no count keeps the count of the pledge's earlier steps (a commitment need
    not repeat the number announced), until the pledge is ruled out or withdrawn.
    """
    latest: dict[tuple[str, str], LedgerEntry] = {}
    for e in sorted(entries, key=lambda e: e.date):
        if e.date > day:
            continue
        before = latest.get(e.key)
        if (e.count is None and e.status in ACTIVE and before is not None
                and before.status in ACTIVE and before.count is not None):
            e = replace(e, count=before.count)
        latest[e.key] = e
    return latest


# --- pledges as of a date ------------------------------------------------------------------


@dataclass(frozen=True)
class AsOfStep:
    """What one ledger entry did to the scenario as of a date, for the plan to say why."""

    nation: str
    capability: str
    entry: str | None
    status: str
    effect: str


def as_of(doc: Mapping[str, Any], entries: Sequence[LedgerEntry], day: date,
          components: Mapping[str, str]) -> tuple[dict[str, Any], list[AsOfStep]]:
    """The scenario (as a plain dict, before validation) with its pledges as of `day`.

    Pure: `doc` is not changed. For each nation in the scenario, the latest step on or before
    `day` of each of its pledges (nation, capability or mission line) decides:
    announced/committed/deployed bring the nation's own pledges of that capability (or of that
    mission line's component), or, where it has none, the scenario's `ledger.pledges` templates
    for it, with the statement's count and conditions (and only the regions outside Ukraine
    when its scope is `outside-ukraine`); `ruled-out` is a caveat on what
    remains (no Ukrainian regions when the scope is `ukraine`, none outside it for
    `outside-ukraine`, the capability gone when the scope is empty); `withdrawn` leaves no
    pledge. A nation with no statement by `day` keeps no pledge (`ledger.unstated: drop`, the
    default) or its scenario pledges (`keep`). `components` maps capability ids to their
    component (packaged catalogue plus the scenario's additions).
    """
    out = copy.deepcopy(dict(doc))
    mapping = out.get("ledger") or {}
    templates: Mapping[str, list[dict[str, Any]]] = mapping.get("pledges") or {}
    keep_unstated = mapping.get("unstated", "drop") == "keep"
    in_ukraine = {r for r, spec in (out.get("regions") or {}).items()
                  if isinstance(spec, dict) and spec.get("in_ukraine")}
    line_component = {line: spec.get("component") for line, spec in
                      (out.get("mission_lines") or {}).items() if isinstance(spec, dict)}
    latest = latest_steps(entries, day)
    matcher = _Matcher(components, line_component)
    steps: list[AsOfStep] = []
    for iso, nation in (out.get("nations") or {}).items():
        own = nation.get("pledges", []) if isinstance(nation, dict) else None
        if not isinstance(own, list) or not all(isinstance(p, dict) for p in own):
            continue  # malformed: left as written for validation to report with its line
        mine = {cap: e for (n, cap), e in latest.items() if n == iso}
        if not mine:
            if not keep_unstated:
                nation["pledges"] = []
            steps.append(AsOfStep(iso, "", None, "unstated",
                                  "pledges kept" if keep_unstated else "no statement: no pledge"))
            continue
        pledges = _active_pledges(iso, own, mine, templates, matcher, in_ukraine, steps)
        nation["pledges"] = _caveats(iso, pledges, mine, matcher, in_ukraine, steps)
    return out, steps


@dataclass(frozen=True)
class _Matcher:
    """Whether a pledge belongs to a ledger key: its capability, or its mission line's component."""

    components: Mapping[str, str]
    line_component: Mapping[str, str | None]

    def __call__(self, pledge: Mapping[str, Any], key: str) -> bool:
        cap = pledge.get("capability")
        if key in MISSION_LINES:
            comp = self.line_component.get(key)
            return comp is not None and self.components.get(str(cap)) == comp
        return cap == key


def _active_pledges(iso: str, own: list[dict[str, Any]], mine: Mapping[str, LedgerEntry],
                    templates: Mapping[str, list[dict[str, Any]]], matches: _Matcher,
                    in_ukraine: set[str], steps: list[AsOfStep]) -> list[dict[str, Any]]:
    """Pledges brought by the nation's active steps; a capability's own step before its line's."""
    out: list[dict[str, Any]] = []
    taken: set[int] = set()
    active = sorted((e for e in mine.values() if e.status in ACTIVE),
                    key=lambda e: (e.on_mission_line, e.capability))
    for e in active:
        found = [(k, p) for k, p in enumerate(own) if k not in taken and matches(p, e.capability)]
        taken |= {k for k, _ in found}
        named = [(f"{iso.lower()}-{k + 1}", p) for k, p in found]
        if not named:
            named = [(f"{iso.lower()}-{e.capability}-{j + 1}", p)
                     for j, p in enumerate(templates.get(e.capability) or [])]
        if not named:
            steps.append(AsOfStep(iso, e.capability, e.id, e.status,
                                  "no pledge of the nation nor ledger template for it"))
            continue
        for pid, p in named:
            pledge = _from_step(pid, p, e, in_ukraine)
            if pledge is None:
                steps.append(AsOfStep(iso, e.capability, e.id, e.status,
                                      f"{pid}: no region left in the statement's scope ({e.where})"))
                continue
            out.append(pledge)
            steps.append(AsOfStep(iso, e.capability, e.id, e.status,
                                  f"pledge {pid} ({pledge['capability']})"))
    return out


def _from_step(pid: str, template: Mapping[str, Any], e: LedgerEntry,
               in_ukraine: set[str]) -> dict[str, Any] | None:
    pledge = copy.deepcopy(dict(template))
    pledge["id"] = pledge.get("id") or pid
    if e.count is not None and not e.on_mission_line:
        pledge["count"] = e.count
        pledge.pop("share_of_active", None)
        pledge.pop("deployed", None)
    pledge["conditions"] = list(dict.fromkeys([*(pledge.get("conditions") or []), *e.conditions]))
    regions = pledge.get("regions") or []
    # An offer outside Ukraine narrows the pledge; an offer in Ukraine withdraws nothing else.
    pledge["regions"] = _scoped(regions, e.where, in_ukraine) if e.where == "outside-ukraine" \
        else list(regions)
    pledge["source"] = f"ledger {e.id}: {e.source}"
    return pledge if pledge["regions"] else None


def _scoped(regions: list[str], where: str, in_ukraine: set[str]) -> list[str]:
    if where == "ukraine":
        return [r for r in regions if r in in_ukraine]
    if where == "outside-ukraine":
        return [r for r in regions if r not in in_ukraine]
    return list(regions)


def _caveats(iso: str, pledges: list[dict[str, Any]], mine: Mapping[str, LedgerEntry],
             matches: _Matcher, in_ukraine: set[str], steps: list[AsOfStep]) -> list[dict[str, Any]]:
    """Apply the nation's ruled-out statements to what its active steps brought."""
    for e in (e for e in mine.values() if e.status == "ruled-out"):
        kept: list[dict[str, Any]] = []
        for p in pledges:
            if not matches(p, e.capability):
                kept.append(p)
                continue
            regions = p.get("regions") or []
            allowed = (_scoped(regions, "outside-ukraine", in_ukraine) if e.where == "ukraine"
                       else _scoped(regions, "ukraine", in_ukraine) if e.where == "outside-ukraine"
                       else [])
            if allowed:
                kept.append({**p, "regions": allowed})
        dropped = len(pledges) - len(kept)
        scope = {"ukraine": "not in Ukraine", "outside-ukraine": "only in Ukraine"}.get(e.where,
                                                                                       "nowhere")
        steps.append(AsOfStep(iso, e.capability, e.id, e.status,
                              f"caveat: {e.capability} {scope}"
                              + (f" ({dropped} pledge(s) left without a region)" if dropped else "")))
        pledges = kept
    for e in (e for e in mine.values() if e.status == "withdrawn"):
        steps.append(AsOfStep(iso, e.capability, e.id, e.status, "withdrawn: no pledge"))
    return pledges


def as_of_frame(steps: Sequence[AsOfStep]) -> pd.DataFrame:
    """What each ledger entry did as of the date, one row per effect."""
    return pd.DataFrame([vars(s) for s in steps],
                        columns=["nation", "capability", "entry", "status", "effect"])


# --- the run store's ledger ----------------------------------------------------------------


def store_rows(entries: Sequence[LedgerEntry]) -> Iterator[dict[str, Any]]:
    """The entries as steps of the run store's pledge ledger (`Store.record_pledge` arguments).

    The store records the life of a pledge (announced → committed → deployed, or withdrawn):
    a ruled-out statement is no step of a pledge, except that it ends one the nation had made
    (`withdrawn`); a step below the pledge's stage (a nation repeating an announcement after
    committing) adds nothing; a pledge made again after it ended is a new pledge (`-2`, ...).
    A count the statement does not give is 0. The pledge id is NATION-capability.
    """
    stage: dict[tuple[str, str], str | None] = {}
    round_: dict[tuple[str, str], int] = {}
    for e in sorted(entries, key=lambda e: (e.date, e.line)):
        k = e.key
        current = stage.get(k)
        if e.status in ACTIVE:
            if current is not None and ACTIVE.index(e.status) <= ACTIVE.index(current):
                continue
            if current is None:
                round_[k] = round_.get(k, 0) + 1
            status = e.status
        elif current is not None:
            status = "withdrawn"
        else:
            continue
        stage[k] = None if status == "withdrawn" else status
        n = round_[k]
        yield {"nation": e.nation, "pledge": f"{e.nation}-{e.capability}" + (f"-{n}" if n > 1 else ""),
               "capability": e.capability, "count": e.count or 0, "status": status,
               "date": e.date.isoformat(),
               "source": f"{e.source}; {e.url} — “{e.quote}” (ledger {e.id})",
               "recorded_by": "packaged ledger"}


__all__ = ["ACTIVE", "COLUMNS", "STATUSES", "AsOfStep", "LedgerEntry", "LedgerError", "as_of",
           "as_of_frame", "latest_steps", "ledger_frame", "packaged_ledger", "parse_ledger",
           "read_ledger", "store_rows"]
