"""From what a text says to what a planner might change: ledger entries, conditions and
caveats on a scenario's nations, new nations, and a scenario skeleton for a founding statement.

Every proposal keeps the sentence it comes from and a confidence; nothing is applied here
(`willing.draft.apply` writes what the planner accepts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from willing.draft.extract import POSITIVE, Reading, Stance, read
from willing.draft.lexicon import NON_ISO, lexicon
from willing.results import Field, Result
from willing.scenario import Scenario

QUOTE_WORDS = 25
MISSION_LINES = ("land", "air", "maritime", "regeneration")
NO_FORCES_IN_UKRAINE = "no-forces-in-ukraine"
WITHDRAWN = "withdrawn"


@dataclass
class Proposal:
    """One change for a person to accept: what, for whom, from which sentence, how sure."""

    kind: str
    """ledger, condition, caveat, new-nation or scenario."""
    nation: str | None
    summary: str
    change: dict[str, Any]
    sentence: str
    confidence: float


@dataclass
class Draft(Result):
    """The proposals a text implies, with what could not be resolved.

    Proposals and stances are each of one nation (or of none: a scenario skeleton); the
    sentences, summaries and changes are free text that may name any nation.
    """

    proposals: list[Proposal] = field(default_factory=list)
    unknown: list[dict[str, str]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    stances: list[dict[str, Any]] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)

    PARTS = (
        Field("proposals", lambda d: [asdict(p) for p in d.proposals], nation="nation",
              text=("summary", "change", "sentence")),
        Field("unknown", text=("name", "sentence")),
        Field("groups", text=("text", "sentence")),
        Field("stances", nation="nation", text=("sentence", "mention")),
        Field("mentioned", nations=("",)),
    )

    def heading(self) -> str:
        return (f"<h3>willing draft — {len(self.proposals)} proposals, "
                f"{len(self.mentioned)} nations named</h3>")


def quote(sentence: str, words: int = QUOTE_WORDS) -> str:
    """The sentence cut to `words` words (ledger quotes stay short)."""
    parts = sentence.split()
    return " ".join(parts) if len(parts) <= words else " ".join(parts[:words]) + " …"


def _status(st: Stance) -> str:
    if st.stance == "withdraws":
        return "withdrawn"
    return "committed" if st.committed else "announced"


def draft(text: str, scenario: Scenario | None = None, *, date: str | None = None,
          source: str | None = None) -> Draft:
    """Read `text` and propose the changes it implies to `scenario` (or to none: then no
    caveats or conditions, only ledger entries, new nations and a skeleton)."""
    reading = read(text)
    return propose(reading, scenario, date=date, source=source)


def propose(reading: Reading, scenario: Scenario | None = None, *, date: str | None = None,
            source: str | None = None) -> Draft:
    """The proposals of a reading (docs/draft.md lists each kind and when it is made).

    A considering nation gets no ledger entry (nothing is pledged yet) but may be proposed as
    a new member; caveats and conditions are proposed only for nations the scenario has.
    """
    lex = lexicon()
    out = Draft(
        unknown=[{"name": u.name, "sentence": u.sentence} for u in reading.unknown],
        groups=[asdict(g) for g in reading.groups],
        stances=[asdict(s) for s in reading.stances],
        mentioned=reading.mentioned,
    )
    nations = scenario.spec.nations if scenario is not None else {}
    new: dict[str, Proposal] = {}
    for st in reading.stances:
        iso = st.nation not in NON_ISO
        name = lex.name(st.nation)
        pledge = st.stance in POSITIVE and st.stance != "considering"
        if iso and (pledge or st.stance == "withdraws"):
            for cap in st.capabilities or ["unspecified"]:
                entry = {"nation": st.nation, "date": date, "status": _status(st),
                         "capability": cap, "count": st.count if cap == "land" else None,
                         "conditions": st.conditions, "source": source,
                         "quote": quote(st.sentence)}
                out.proposals.append(Proposal(
                    "ledger", st.nation, f"{name}: {entry['status']} {cap}"
                    + (f" ({entry['count']})" if entry["count"] else "")
                    + (f" if {', '.join(st.conditions)}" if st.conditions else ""),
                    entry, st.sentence, st.confidence))
        if not iso or scenario is None:
            continue
        if st.nation in nations:
            have = {str(c) for c in nations[st.nation].conditions}
            if st.stance in POSITIVE and set(st.conditions) - have:
                add = sorted(set(st.conditions) - have)
                out.proposals.append(Proposal(
                    "condition", st.nation, f"{name}: add condition {', '.join(add)}",
                    {"nation": st.nation, "add": add}, st.sentence, round(st.confidence - 0.1, 2)))
            if st.stance == "rules_out" and (not st.capabilities or "land" in st.capabilities):
                out.proposals.append(Proposal(
                    "caveat", st.nation, f"{name}: no forces in Ukraine (pledges keep only "
                    "regions outside Ukraine)", {"nation": st.nation, "caveat": NO_FORCES_IN_UKRAINE},
                    st.sentence, st.confidence))
            if st.stance == "withdraws":
                out.proposals.append(Proposal(
                    "caveat", st.nation, f"{name}: withdraws (willingness 0)",
                    {"nation": st.nation, "caveat": WITHDRAWN}, st.sentence, st.confidence))
        elif st.stance in POSITIVE and st.nation not in new:
            new[st.nation] = Proposal(
                "new-nation", st.nation, f"{name}: join the coalition as a member "
                f"({st.stance.replace('_', ' ')})",
                {"nation": st.nation, "tier": "member", "conditions": st.conditions,
                 "willingness": 0.5 if st.stance != "considering" else 0.3},
                st.sentence, round(st.confidence - (0.2 if st.stance == "considering" else 0.0), 2))
    out.proposals += new.values()
    if reading.founding:
        out.proposals.append(_skeleton(reading))
    return out


def _skeleton(reading: Reading) -> Proposal:
    """A founding statement: who leads and backs, the mission lines named, the states."""
    positive = [s for s in reading.stances if s.stance in POSITIVE and s.nation not in NON_ISO]
    lead = sorted({s.nation for s in positive if s.lead}) or sorted(
        {s.nation for s in positive if s.stance == "will_send"})
    members = sorted({s.nation for s in positive} - set(lead) - {"USA"})
    conditions = sorted({c for s in positive for c in s.conditions})
    lines = sorted({c for s in positive for c in s.capabilities if c in MISSION_LINES})
    states: dict[str, dict[str, Any]] = {}
    if "ceasefire" in conditions:
        states["pre-ceasefire"] = {"holds": [c for c in conditions if c != "ceasefire"]}
        states["ceasefire"] = {"holds": conditions}
    else:
        states["deployed"] = {"holds": conditions}
    tiers = {"lead": lead, "member": members}
    if "us-backstop" in conditions or any(s.nation == "USA" for s in positive):
        tiers["backstop"] = ["USA"]
    sentence = next((s.sentence for s in reading.stances if s.nation in lead), "")
    return Proposal("scenario", None, f"new scenario: led by {', '.join(lead) or '—'}; mission "
                    f"lines {', '.join(lines) or '—'}; states {', '.join(states)}",
                    {"tiers": tiers, "mission_lines": lines, "states": states}, sentence, 0.5)


__all__ = ["Draft", "Proposal", "draft", "propose", "quote"]
