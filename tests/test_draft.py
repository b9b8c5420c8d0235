"""`willing draft`: reading statements, proposing changes, applying them — and its corpus."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import pycountry
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from willing.cli import app
from willing.draft import MAX_CHARS, apply_to_scenario, draft, ledger_text, read
from willing.draft.corpus import corpus, evaluate
from willing.draft.extract import POSITIVE, STANCES
from willing.draft.lexicon import lexicon
from willing.scenario import load_scenario, parse_scenario
from willing.scenario.model import Condition

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx versions, not ours
    from fastapi.testclient import TestClient

from willing.server import create_app
from willing.server.access import Role, Viewer

PLEDGES = {"will_send", "ready", "conditional"}


def stances(text: str) -> set[tuple[str, str]]:
    return {(s.nation, s.stance) for s in read(text).stances}


# --- the corpus ---------------------------------------------------------------------------


def test_corpus_holds_enough_labelled_public_texts() -> None:
    texts = corpus()
    assert len(texts) >= 25
    assert len({t["id"] for t in texts}) == len(texts)
    caps, conds = set(lexicon().capabilities), {c.value for c in Condition}
    for t in texts:
        assert t["source"].startswith("http"), t["id"]
        dt.date.fromisoformat(str(t["date"]))
        assert len(t["text"].split()) <= 120, f"{t['id']}: an excerpt, not an article"
        for e in t["expected"]:
            assert pycountry.countries.get(alpha_3=e["nation"]), t["id"]
            assert e["stance"] in STANCES, t["id"]
            assert set(e.get("capabilities") or []) <= caps, t["id"]
            assert set(e.get("conditions") or []) <= conds, t["id"]
            assert not (e["stance"] not in POSITIVE and e.get("conditions")), t["id"]
    labels = [e["stance"] for t in texts for e in t["expected"]]
    assert {"rules_out", "conditional", "considering", "ready", "will_send"} <= set(labels)
    assert sum(not t["expected"] for t in texts) >= 3
    assert any("Baltic states" in t["text"] for t in texts)


def test_corpus_precision_and_recall() -> None:
    """Thresholds a little below what bench/draft.py measures (docs/draft.md)."""
    s = evaluate()
    assert s["nations"].precision >= 0.95 and s["nations"].recall >= 0.85
    assert s["stances"].precision >= 0.9 and s["stances"].recall >= 0.8
    assert s["capabilities"].precision >= 0.88 and s["capabilities"].recall >= 0.8
    assert s["conditions"].precision >= 0.8 and s["conditions"].recall >= 0.65


def test_texts_about_nothing_relevant_give_no_proposals() -> None:
    sc = load_scenario()
    empty = [t for t in corpus() if not t["expected"]]
    for t in empty:
        assert draft(t["text"], sc).proposals == [], t["id"]
    assert draft("The Bank of England held rates; the French harvest was late.", sc).proposals == []


# --- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Poland will not send troops to Ukraine.",
    "Italy rules out sending troops to Ukraine after a ceasefire.",
    "Greece is not ready to send troops to Ukraine.",
    "Spain won't deploy soldiers to Ukraine, the government said.",
    "Croatia refused to contribute troops to the reassurance force.",
    "Hungary has no plans to send troops, even after a peace deal.",
    "The Polish Prime Minister said Poland is not prepared to send soldiers.",
])
def test_a_negation_is_never_a_pledge(text: str) -> None:
    got = read(text).stances
    assert got and all(s.stance == "rules_out" for s in got), got
    assert all(not s.conditions for s in got)
    assert not [p for p in draft(text).proposals if p.kind in ("ledger", "new-nation")]


def test_not_ruling_out_is_considering_not_a_refusal() -> None:
    assert stances("Sweden does not rule out deploying soldiers to Ukraine.") == {("SWE", "considering")}
    assert stances("Carney said he wouldn't rule out the presence of Canadian troops.") == {
        ("CAN", "considering")}


def test_nations_by_adjective_title_leader_and_institution() -> None:
    assert stances("The Dutch are ready to send troops.") == {("NLD", "ready")}
    assert stances("The French President said he will send troops after a ceasefire.") == {
        ("FRA", "will_send")}
    assert stances("President of France Emmanuel Macron will deploy troops.") == {("FRA", "will_send")}
    eu = read("The President of the European Commission said the EU is ready to support a force.")
    assert {s.nation for s in eu.stances} == {"EU"}
    assert not [p for p in draft("The European Commission is ready to send funds.").proposals
                if p.kind in ("ledger", "new-nation")]


def test_places_and_partners_are_not_actors() -> None:
    assert stances("Belgium is ready, together with the United Kingdom and France, to send troops "
                   "to Ukraine.") == {("BEL", "ready")}
    assert stances("Germany may deploy forces in Poland and Romania.") == {("DEU", "considering")}


def test_groups_named_and_counted() -> None:
    baltic = read("The Baltic states are ready to send troops to Ukraine.")
    assert {(s.nation, s.stance) for s in baltic.stances} == {
        ("EST", "ready"), ("LVA", "ready"), ("LTU", "ready")}
    assert all(s.confidence < 0.9 for s in baltic.stances)
    ten = read("Ten European nations are ready to send troops, Macron said.")
    assert ten.stances == []
    assert [(g.text, g.count, g.stance) for g in ten.groups] == [("Ten European nations", 10, "ready")]


def test_capabilities_counts_and_conditions() -> None:
    (s,) = read("Estonia could send a company of 100–200 troops after a ceasefire.").stances
    assert (s.nation, s.stance, s.capabilities, s.count, s.conditions) == (
        "EST", "considering", ["land"], 200, ["ceasefire"])
    (c,) = read("Sweden is ready to send troops provided that there is a UN mandate and "
                "parliamentary approval.").stances
    assert (c.stance, c.conditions) == ("conditional", ["mandate", "parliament"])
    (b1, b2) = read("Bulgaria ruled out sending troops but offered naval support, including "
                    "de-mining, with a US backstop.").stances
    assert (b1.stance, b1.capabilities, b1.conditions) == ("rules_out", ["land"], [])
    assert (b2.stance, b2.capabilities, b2.conditions) == ("ready", ["maritime"], ["us-backstop"])


def test_an_unknown_name_is_reported_not_guessed() -> None:
    d = draft("The Freedonian Prime Minister said Freedonia will send troops to Ukraine.",
              load_scenario())
    assert {u["name"] for u in d.unknown} == {"Freedonian", "Freedonia"}
    assert d.proposals == []


# --- proposals and applying them ---------------------------------------------------------


def test_proposals_for_a_scenario_and_their_application() -> None:
    sc = load_scenario()
    assert "MKD" not in sc.spec.nations and "LUX" not in sc.spec.nations
    assert any(set(p.regions) & {"ua-west", "ua-kyiv"} for p in sc.spec.nations["DNK"].pledges)
    text = ("Denmark rules out sending troops to Ukraine. Luxembourg is ready to send troops after "
            "a ceasefire. Finland will send troops if parliament approves. North Macedonia is ready "
            "to send troops.")
    d = draft(text, sc, date="2026-01-06", source="https://example.org/statement")
    kinds = {(p.kind, p.nation) for p in d.proposals}
    assert {("caveat", "DNK"), ("new-nation", "LUX"), ("ledger", "LUX"), ("ledger", "FIN"),
            ("condition", "FIN"), ("new-nation", "MKD")} <= kinds
    assert not [p for p in d.proposals if p.nation == "DNK" and p.kind != "caveat"]
    for p in d.proposals:
        assert p.sentence in text and 0 < p.confidence <= 1
    ledger = [p.change for p in d.proposals if p.kind == "ledger"]
    assert all(e["status"] == "announced" and e["date"] == "2026-01-06" for e in ledger)
    assert all(len(e["quote"].split()) <= 26 for e in ledger)

    new_text, done = apply_to_scenario(sc, d.proposals, "https://example.org/statement")
    after = parse_scenario(new_text, "<applied>")
    in_ukraine = {r for r, reg in after.spec.regions.items() if reg.in_ukraine}
    assert all(not set(p.regions) & in_ukraine for p in after.spec.nations["DNK"].pledges)
    assert after.spec.nations["LUX"].conditions == [Condition.CEASEFIRE]
    assert Condition.PARLIAMENT in after.spec.nations["FIN"].conditions
    assert "MKD" not in after.spec.nations  # no packaged figures: reported, not invented
    assert any(line.startswith("MKD: not added") for line in done)
    entries = YAML(typ="safe").load(ledger_text(d.proposals))
    assert {e["nation"] for e in entries} == {"LUX", "FIN", "MKD"}


def test_a_founding_statement_proposes_a_scenario_skeleton() -> None:
    d = draft("The UK and France signed a declaration of intent to lead a multinational force "
              "for Ukraine, with troops on the ground and air policing after a ceasefire, with a "
              "US backstop. Belgium is ready to send troops.")
    (sk,) = [p for p in d.proposals if p.kind == "scenario"]
    assert sk.change["tiers"] == {"lead": ["FRA", "GBR"], "member": ["BEL"], "backstop": ["USA"]}
    assert sk.change["mission_lines"] == ["air", "land"]
    assert set(sk.change["states"]) == {"pre-ceasefire", "ceasefire"}
    assert not [p for p in draft("Belgium is ready to send troops.").proposals if p.kind == "scenario"]


# --- the command and the service ----------------------------------------------------------


def invoke(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(app, ["--no-store", *args])
    assert "Traceback" not in out.output
    return out.exit_code, out.output


def test_cli_end_to_end(tmp_path: Path) -> None:
    src = tmp_path / "statement.txt"
    src.write_text("Denmark rules out sending troops to Ukraine. Luxembourg is ready to send "
                   "troops after a ceasefire.", encoding="utf-8")
    code, out = invoke("draft", str(src), "--scenario", "ukraine-2025", "--date", "2026-01-06")
    assert code == 0, out
    assert "Luxembourg" in out and "DNK" in out
    code, out = invoke("draft", str(src), "--scenario", "ukraine-2025", "--date", "2026-01-06",
                       "--source", "https://example.org/s", "--json", "--apply",
                       "-o", str(tmp_path / "out.yaml"), "--ledger", str(tmp_path / "ledger.yaml"))
    assert code == 0, out
    body = json.loads(out)
    assert {p["kind"] for p in body["proposals"]} >= {"caveat", "new-nation", "ledger"}
    after = load_scenario(tmp_path / "out.yaml")
    assert "LUX" in after.spec.nations
    (entry,) = YAML(typ="safe").load((tmp_path / "ledger.yaml").read_text(encoding="utf-8"))
    assert (entry["nation"], entry["source"], entry["status"]) == ("LUX", "https://example.org/s",
                                                                   "announced")


def test_cli_bad_input_is_a_clear_message(tmp_path: Path) -> None:
    empty, binary, huge = tmp_path / "empty.txt", tmp_path / "x.bin", tmp_path / "huge.txt"
    empty.write_text("  \n", encoding="utf-8")
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    huge.write_text("Italy will not send troops. " * (MAX_CHARS // 20), encoding="utf-8")
    for f, words in ((empty, "is empty"), (binary, "binary"), (huge, "at most"),
                     (tmp_path / "missing.txt", "no such file")):
        code, out = invoke("draft", str(f))
        assert code == 2 and str(f.name) in out and words in " ".join(out.split()), out
    ok = tmp_path / "ok.txt"
    ok.write_text("Italy will not send troops.", encoding="utf-8")
    code, out = invoke("draft", str(ok), "--date", "6 Jan")
    assert code == 2 and "YYYY-MM-DD" in out
    code, out = invoke("draft", str(ok), "--apply")
    assert code == 2 and "--ledger" in out


def test_api_end_to_end(tmp_path: Path) -> None:
    users = {"plan-token": Viewer(Role.PLANNER, name="J5")}
    auth = {"Authorization": "Bearer plan-token"}
    with TestClient(create_app(f"sqlite:///{tmp_path / 'runs.db'}", users)) as c:
        r = c.post("/api/draft", json={"text": "Denmark rules out sending troops to Ukraine.",
                                       "scenario": "ukraine-2025", "date": "2026-01-06"}, headers=auth)
        assert r.status_code == 200, r.text
        (p,) = r.json()["proposals"]
        assert (p["kind"], p["nation"]) == ("caveat", "DNK")
        assert c.post("/api/draft", json={"text": "x"}).status_code == 401
        assert c.post("/api/draft", json={"text": " "}, headers=auth).status_code == 400
        assert "scenario" in c.post("/api/draft", json={"text": "Italy is ready.", "scenario": "nope"},
                                    headers=auth).json()["detail"]
        big = c.post("/api/draft", content=b"a" * (5 * MAX_CHARS), headers=auth)
        assert big.status_code == 413 and "at most" in big.json()["detail"]
        bad = c.post("/api/draft", content=b"not json", headers=auth)
        assert bad.status_code == 422 and "text" in bad.json()["detail"]
