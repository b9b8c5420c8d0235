"""Reading a statement: who (nations, groups), says what (stance), about which capability and
under which conditions — rule-based, on spaCy's blank English tokenizer and the lexicon.

The method, in the order it runs (docs/draft.md explains it for users):

1. sentences (spaCy `sentencizer`), then clauses at "but", "while", "whereas", "although", ";";
2. nation mentions by `PhraseMatcher` on exact case (names from pycountry, demonyms, capitals,
   leaders from the lexicon), named groups ("the Baltic states") and counted groups ("26
   countries"); a mention after a place preposition ("troops to Ukraine", "in Poland") is a
   place, not an actor, unless it follows a title ("President of France");
3. stance cues, negations first: the longest cue wins ("does not rule out" is `considering`,
   never `rules_out`; "not ready to" is `rules_out`, never `ready`), and any positive cue with
   "not", "n't", "no" or "never" in the three tokens before it is read as `rules_out`;
4. each cue takes the actors before it in its clause (else the ones after it, else the actors
   of the previous clause); capabilities, counts and conditions inside the cue's stretch of
   the clause attach to it. Conditions attach to positive stances only: a refusal has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from willing.draft.lexicon import Lexicon, lexicon

POSITIVE = ("will_send", "ready", "considering", "conditional")
"""Stances that offer something; `rules_out` and `withdraws` take it back."""
STANCES = (*POSITIVE, "rules_out", "withdraws")
NEGATORS = {"not", "n't", "no", "never", "nor", "neither"}
CLAUSE_BREAKS = {"but", "while", "whereas", "although", "though", "however", ";"}
CARRY_PRONOUNS = {"he", "she", "it", "we", "i", "they", "this", "his", "her", "our", "its", "my"}
LAND_HEADS = {"troops", "soldiers", "personnel", "servicemen", "peacekeepers", "military", "staff"}
WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20,
                "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100}


@dataclass(frozen=True)
class Mention:
    """A nation named in the text (by name, adjective, capital, leader or group)."""

    code: str
    text: str
    start: int
    end: int
    group: str | None = None


@dataclass
class Stance:
    """What one nation says it will or will not do, with the sentence it comes from."""

    nation: str
    stance: str
    capabilities: list[str]
    conditions: list[str]
    count: int | None
    sentence: str
    mention: str
    confidence: float
    committed: bool = False
    lead: bool = False

    def key(self) -> tuple[str, str]:
        return self.nation, self.stance


@dataclass
class GroupStance:
    """A counted group ("ten European nations") that takes a stance without naming members."""

    text: str
    count: int | None
    stance: str
    sentence: str


@dataclass
class Unknown:
    """A word the text uses as a nation that the lexicon does not know: reported, not guessed."""

    name: str
    sentence: str
    at: int = field(default=-1, repr=False, compare=False)


@dataclass
class Reading:
    """Everything read from one text."""

    stances: list[Stance] = field(default_factory=list)
    groups: list[GroupStance] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)
    founding: bool = False


@dataclass
class _Cue:
    kind: str
    start: int
    end: int
    text: str


@cache
def _nlp() -> tuple[Language, PhraseMatcher, PhraseMatcher, Matcher]:
    """The pipeline: a blank English tokenizer with a rule-based sentencizer, and matchers."""
    lex = lexicon()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    names = PhraseMatcher(nlp.vocab, attr="ORTH")
    for term, code in lex.nations.items():
        names.add(code, [nlp.make_doc(term)])
    for group in lex.groups:
        names.add("GROUP:" + group, [nlp.make_doc(group), nlp.make_doc(group.lower())])
    cues = PhraseMatcher(nlp.vocab, attr="LOWER")

    def add(label: str, terms: Iterable[str]) -> None:
        cues.add(label, [nlp.make_doc(t) for t in terms])

    for stance, terms in lex.stances.items():
        add("STANCE:" + stance, terms)
    for cap, terms in lex.capabilities.items():
        add("CAP:" + cap, terms)
    for cond, terms in lex.conditions.items():
        add("COND:" + cond, terms)
    add("IF", lex.conditional_markers)
    add("COMMIT", lex.committed)
    add("FOUND", lex.founding)
    add("LEAD", lex.lead)
    add("TITLE", lex.titles)
    add("HEAD", lex.nation_heads)
    counted = Matcher(nlp.vocab)
    counted.add("COUNTED", [[{"LIKE_NUM": True}, {"IS_ALPHA": True, "IS_TITLE": True, "OP": "?"},
                             {"LOWER": {"IN": ["countries", "nations", "states", "allies"]}}]])
    return nlp, names, cues, counted


def _number(text: str) -> int | None:
    """The upper figure of '200', '1,500', '100–200' or 'ten'; None for anything else."""
    nums = re.findall(r"\d[\d,]*", text)
    if nums:
        return int(nums[-1].replace(",", ""))
    return WORD_NUMBERS.get(text.lower())


class _Sentence:
    """One sentence with its matches, split into clauses."""

    def __init__(self, sent: Span, doc: Doc, lex: Lexicon, names: PhraseMatcher,
                 cues: PhraseMatcher, counted: Matcher) -> None:
        self.sent, self.doc, self.lex = sent, doc, lex
        sdoc = sent.as_doc()
        by_kind: dict[str, list[Span]] = {}
        for mid, s, e in cues(sdoc):
            label = doc.vocab.strings[mid]
            span = Span(doc, sent.start + s, sent.start + e, label)
            by_kind.setdefault(label.split(":")[0], []).append(span)
        # longest cue wins within a kind: "does not rule out" over "rule out"
        self.spans = {k: sorted(filter_spans(v), key=lambda sp: sp.start) for k, v in by_kind.items()}
        self.counted = [Span(doc, sent.start + s, sent.start + e) for _, s, e in counted(sdoc)]
        raw = [Span(doc, sent.start + s, sent.start + e, doc.vocab.strings[mid])
               for mid, s, e in names(sdoc)]
        self.mentions: list[Mention] = []
        self.places: set[int] = set()
        self.unknown_at: set[int] = set()
        for sp in filter_spans(raw):
            if sp.label_.startswith("GROUP:"):
                group = sp.label_.split(":", 1)[1]
                self.mentions += [Mention(c, sp.text, sp.start, sp.end, group)
                                  for c in lex.groups[group]]
            else:
                self.mentions.append(Mention(sp.label_, sp.text, sp.start, sp.end))

    def tokens(self, kind: str) -> list[Span]:
        return self.spans.get(kind, [])

    def inside(self, kind: str, start: int, end: int) -> list[Span]:
        return [sp for sp in self.tokens(kind) if sp.start >= start and sp.end <= end]

    def is_actor(self, m: Mention) -> bool:
        """A place ('to Ukraine', 'with the United Kingdom and France'), the host or the
        adversary, or a condition's word ('US support') is not an actor."""
        place = self._is_place(m)
        if place:
            self.places.add(m.end)
        return not place and m.code not in self.lex.context_only

    def _is_place(self, m: Mention) -> bool:
        if any(c.start <= m.start and m.end <= c.end for c in self.tokens("COND")):
            return True
        i = m.start - 1
        while i >= self.sent.start and self.doc[i].lower_ in ("the", "a", "an"):
            i -= 1
        if i < self.sent.start:
            return False
        prev = self.doc[i].lower_
        if prev in ("and", ",", "or") and i in self.places:
            return True  # the next item of a list of places
        if prev in ("and", ",", "or") and i - 1 >= self.sent.start and self.doc[i - 1].lower_ == ",":
            return (i - 1) in self.places
        if prev == "of":
            return not any(t.end == i for t in self.tokens("TITLE"))
        return prev in self.lex.place_prepositions

    def clauses(self) -> list[tuple[int, int]]:
        bounds, start = [], self.sent.start
        for t in self.sent:
            if t.lower_ in CLAUSE_BREAKS and t.i > start:
                bounds.append((start, t.i))
                start = t.i + 1 if t.lower_ == ";" else t.i
        bounds.append((start, self.sent.end))
        return [b for b in bounds if b[1] > b[0]]

    def stance_cues(self, start: int, end: int) -> list[_Cue]:
        """Stance cues of a clause; a positive cue after a negation reads as `rules_out`."""
        out: list[_Cue] = []
        for sp in self.inside("STANCE", start, end):
            kind = sp.label_.split(":", 1)[1]
            if kind in POSITIVE and kind != "considering":
                window = self.doc[max(start, sp.start - 3):sp.start]
                if any(t.lower_ in NEGATORS for t in window):
                    kind = "rules_out"
            prev = out[-1] if out else None
            if prev and sp.start - prev.end <= 3 and not any(
                    prev.end <= m.start < sp.start for m in self.mentions):
                # one stance in several cues ("open to consideration", "signed a declaration
                # of intent"): a refusal among them wins
                prev.end, prev.text = sp.end, prev.text + " … " + sp.text
                if kind == "rules_out":
                    prev.kind = kind
                continue
            out.append(_Cue(kind, sp.start, sp.end, sp.text))
        return out


def _count(doc: Doc, start: int, end: int) -> int | None:
    for t in doc[start:end]:
        if t.like_num or re.fullmatch(r"\d[\d,]*[–-]\d[\d,]*", t.text):
            after = {x.lower_ for x in doc[t.i + 1:min(end, t.i + 4)]}
            if after & LAND_HEADS:
                return _number(t.text)
    return None


def read(text: str) -> Reading:
    """Read a statement or news report; see the module docstring for the rules."""
    lex = lexicon()
    nlp, names, cues, counted = _nlp()
    doc = nlp(text)
    reading = Reading()
    carried: list[tuple[Mention, float]] = []
    founding_cues: set[str] = set()
    for sent in doc.sents:
        s = _Sentence(sent, doc, lex, names, cues, counted)
        reading.mentioned += [m.code for m in s.mentions if m.code not in reading.mentioned]
        founding_cues |= {sp.text.lower() for sp in s.tokens("FOUND")}
        unknown = _unknown(s)
        reading.unknown += unknown
        s.unknown_at = {u.at for u in unknown}
        first_word = sent[0].lower_ if len(sent) else ""
        if first_word not in CARRY_PRONOUNS:
            carried = []
        for c_start, c_end in s.clauses():
            carried = _clause(s, c_start, c_end, carried, reading)
    reading.founding = len(founding_cues) >= 2 and any(st.lead or st.committed for st in reading.stances)
    return reading


def _clause(s: _Sentence, start: int, end: int, carried: list[tuple[Mention, float]],
            reading: Reading) -> list[tuple[Mention, float]]:
    """Attach each stance cue of a clause to its actors; return the actors for the next clause."""
    doc, lex = s.doc, s.lex
    actors = [m for m in s.mentions if start <= m.start < end and s.is_actor(m)]
    cues = s.stance_cues(start, end)
    if not cues:
        _add_conditions(s, start, end, actors or [m for m, _ in carried], reading)
    groups = [g for g in s.counted if start <= g.start < end]
    last_actors = [(m, 0.9) for m in actors] or carried
    prev_end = start
    for n, cue in enumerate(cues):
        nxt = cues[n + 1].start if n + 1 < len(cues) else end
        before = [m for m in actors if prev_end <= m.start < cue.start]
        gap = before[-1].end if before else prev_end
        blockers = [t for t in doc[gap:cue.start]
                    if t.lower_ in lex.generic_actors or t.i in s.unknown_at]
        blocking_groups = [g for g in groups if gap <= g.start < cue.start]
        if blocking_groups or blockers:
            for g in blocking_groups:
                reading.groups.append(GroupStance(g.text, _number(g[0].text), cue.kind, s.sent.text))
            prev_end = cue.end
            continue
        passive = False
        if before and doc[before[-1].end].lower_ in ("'s", "’s") and before[-1].end + 1 == cue.start:
            chosen = [(before[-1], 0.9)]  # "Turkey's willingness": the others speak of it
        elif before:
            chosen = [(m, 0.9) for m in before]
        else:
            after = [m for m in actors if cue.end <= m.start < nxt]
            if after:
                chosen, passive = [(m, 0.8) for m in after[:1]], True
            else:
                chosen = [(m, c - 0.2) for m, c in carried]
        if not chosen:
            prev_end = cue.end
            continue
        scope_start = start if n == 0 else prev_end
        _record(s, cue, chosen, scope_start, nxt if not passive else end, reading)
        last_actors = chosen
        prev_end = cue.end
    return last_actors


def _add_conditions(s: _Sentence, start: int, end: int, nations: list[Mention],
                    reading: Reading) -> None:
    """A clause without a stance ("... but emphasized the need for parliamentary approval",
    "Any Greek involvement will only be possible after a ceasefire") adds its conditions to the
    last positive stance of the nations it names or carries, and makes it `conditional` if it
    says so."""
    conds = {sp.label_.split(":", 1)[1] for sp in s.inside("COND", start, end)}
    if not conds:
        return
    hinges = bool(s.inside("IF", start, end))
    for code in {m.code for m in nations}:
        last = next((st for st in reversed(reading.stances) if st.nation == code), None)
        if last is not None and last.stance in POSITIVE:
            last.conditions = sorted(set(last.conditions) | conds)
            if hinges:
                last.stance = "conditional"


def _record(s: _Sentence, cue: _Cue, chosen: list[tuple[Mention, float]], start: int, end: int,
            reading: Reading) -> None:
    lex, doc = s.lex, s.doc
    caps = sorted({sp.label_.split(":", 1)[1] for sp in s.inside("CAP", start, end)})
    conds = sorted({sp.label_.split(":", 1)[1] for sp in s.inside("COND", start, end)})
    stance = cue.kind
    if stance in POSITIVE and stance != "conditional" and s.inside("IF", start, end):
        stance = "conditional"
    if stance not in POSITIVE:
        conds = []
    committed = any(sp.start <= cue.start < sp.end or cue.start <= sp.start < cue.end
                    for sp in s.tokens("COMMIT"))
    lead = bool(s.inside("LEAD", start, end))
    count = _count(doc, start, end) if "land" in caps else None
    seen: set[str] = set()
    for m, conf in chosen:
        if m.code in seen or m.code in lex.context_only:
            continue
        seen.add(m.code)
        confidence = conf - (0.2 if m.group else 0.0) - (0.1 if m.text in lex.speakers else 0.0)
        reading.stances.append(Stance(
            nation=m.code, stance=stance, capabilities=caps, conditions=conds, count=count,
            sentence=s.sent.text.strip(), mention=m.text, confidence=round(max(0.1, confidence), 2),
            committed=committed and stance in POSITIVE, lead=lead and stance in POSITIVE))


def _unknown(s: _Sentence) -> list[Unknown]:
    """Capitalised words used like a nation ('Freedonian troops', 'Freedonia will send') that
    no lexicon entry or pycountry name resolves."""
    import pycountry

    lex, doc = s.lex, s.doc
    known = {i for m in s.mentions for i in range(m.start, m.end)}
    heads = {sp.start for sp in s.tokens("HEAD")} | {sp.start for sp in s.tokens("STANCE")}
    out = []
    for t in s.sent:
        if (t.i in known or not t.is_alpha or not t.is_title or t.is_stop or len(t) < 3
                or t.text in lex.not_nations or t.text in lex.nations):
            continue
        nxt = t.i + 1
        if nxt not in heads and nxt < s.sent.end and doc[nxt].lower_ in (
                "will", "is", "has", "would", "also", "had"):
            nxt += 1
        if nxt in heads:
            try:
                pycountry.countries.lookup(t.text)
            except LookupError:
                out.append(Unknown(t.text, s.sent.text.strip(), t.i))
    return out


__all__ = ["POSITIVE", "STANCES", "GroupStance", "Mention", "Reading", "Stance", "Unknown", "read"]
