"""The packaged lexicon of `willing draft`: nation terms, stance cues, capabilities, conditions.

Kept in a data file (`willing/data/draft/lexicon.yaml`) so an analyst can add a demonym or a
minister's name without touching code; nation names themselves come from pycountry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pycountry
from ruamel.yaml import YAML

NON_ISO = {"EU"}
"""Codes the lexicon uses that are not ISO 3166 alpha-3 (the European Union)."""


@dataclass(frozen=True)
class Lexicon:
    """Every word list the extractor uses, read once from the packaged YAML file."""

    nations: dict[str, str]
    """term (case as written) → code; ambiguous terms are dropped."""
    speakers: frozenset[str]
    """Terms that name a nation through its capital or a leader (less sure than its name)."""
    groups: dict[str, tuple[str, ...]]
    context_only: frozenset[str]
    titles: tuple[str, ...]
    reporting_verbs: frozenset[str]
    generic_actors: frozenset[str]
    place_prepositions: frozenset[str]
    stances: dict[str, tuple[str, ...]]
    conditional_markers: tuple[str, ...]
    committed: tuple[str, ...]
    capabilities: dict[str, tuple[str, ...]]
    conditions: dict[str, tuple[str, ...]]
    founding: tuple[str, ...]
    lead: tuple[str, ...]
    nation_heads: tuple[str, ...]
    not_nations: frozenset[str]

    def name(self, code: str) -> str:
        """A readable name for a code ('EU' included)."""
        if code == "EU":
            return "European Union"
        c = pycountry.countries.get(alpha_3=code)
        return str(getattr(c, "common_name", None) or c.name) if c else code


def _pycountry_terms() -> dict[str, str]:
    terms: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            v = getattr(c, attr, None)
            if v:
                terms[str(v)] = c.alpha_3
    return terms


@cache
def lexicon() -> Lexicon:
    """The packaged lexicon (read once)."""
    text = (resources.files("willing") / "data" / "draft" / "lexicon.yaml").read_text(encoding="utf-8")
    raw: dict[str, Any] = YAML(typ="safe").load(text)
    seen: dict[str, set[str]] = {}
    for term, code in _pycountry_terms().items():
        seen.setdefault(term, set()).add(code)
    speakers: set[str] = set()
    for code, entry in raw["nations"].items():
        speakers |= {str(t) for t in entry.get("speakers", [])}
        for t in [*entry.get("names", []), *entry.get("speakers", [])]:
            seen.setdefault(str(t), set()).add(str(code))
    nations = {t: next(iter(codes)) for t, codes in seen.items() if len(codes) == 1}

    def tup(key: str) -> tuple[str, ...]:
        return tuple(str(x) for x in raw[key])

    def table(key: str) -> dict[str, tuple[str, ...]]:
        return {str(k): tuple(str(x) for x in v) for k, v in raw[key].items()}

    return Lexicon(
        nations=nations,
        speakers=frozenset(speakers),
        groups={str(k): tuple(v) for k, v in raw["groups"].items()},
        context_only=frozenset(raw["context_only"]),
        titles=tup("titles"),
        reporting_verbs=frozenset(tup("reporting_verbs")),
        generic_actors=frozenset(tup("generic_actors")),
        place_prepositions=frozenset(tup("place_prepositions")),
        stances=table("stances"),
        conditional_markers=tup("conditional_markers"),
        committed=tup("committed"),
        capabilities=table("capabilities"),
        conditions=table("conditions"),
        founding=tup("founding"),
        lead=tup("lead"),
        nation_heads=tup("nation_heads"),
        not_nations=frozenset(tup("not_nations")),
    )


__all__ = ["NON_ISO", "Lexicon", "lexicon"]
