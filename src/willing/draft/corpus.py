"""The packaged test corpus of `willing draft` and its scoring (precision and recall).

Scored per text as sets, micro-averaged over the corpus: nations (that take any stance),
(nation, stance) pairs, (nation, capability) pairs and (nation, condition) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

from willing.draft.extract import Reading, read

ASPECTS = ("nations", "stances", "capabilities", "conditions")


@dataclass
class Score:
    """True positives, false positives and false negatives of one aspect."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def corpus() -> list[dict[str, Any]]:
    """The labelled texts (`willing/data/draft/corpus.yaml`)."""
    text = (resources.files("willing") / "data" / "draft" / "corpus.yaml").read_text(encoding="utf-8")
    return list(YAML(typ="safe").load(text)["texts"])


def facts(entries: list[dict[str, Any]]) -> dict[str, set[tuple[str, ...]]]:
    """The sets an extraction is scored on, from labelled or extracted entries."""
    out: dict[str, set[tuple[str, ...]]] = {a: set() for a in ASPECTS}
    for e in entries:
        n = e["nation"]
        out["nations"].add((n,))
        out["stances"].add((n, e["stance"]))
        out["capabilities"] |= {(n, c) for c in e.get("capabilities") or []}
        out["conditions"] |= {(n, c) for c in e.get("conditions") or []}
    return out


def extracted(reading: Reading) -> list[dict[str, Any]]:
    return [{"nation": s.nation, "stance": s.stance, "capabilities": s.capabilities,
             "conditions": s.conditions} for s in reading.stances]


def evaluate(texts: list[dict[str, Any]] | None = None) -> dict[str, Score]:
    """Scores of the extractor over the corpus (or the given labelled texts)."""
    scores = {a: Score() for a in ASPECTS}
    for t in texts if texts is not None else corpus():
        want, got = facts(t["expected"]), facts(extracted(read(t["text"])))
        for a in ASPECTS:
            scores[a].tp += len(want[a] & got[a])
            scores[a].fp += len(got[a] - want[a])
            scores[a].fn += len(want[a] - got[a])
    return scores


__all__ = ["ASPECTS", "Score", "corpus", "evaluate", "extracted", "facts"]
