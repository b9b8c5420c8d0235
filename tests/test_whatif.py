"""What if: a warm session gives exactly the plan and stress summary of a cold run of the
edited scenario, whatever the edits and in whatever order they come."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from willing.forcegen import plan
from willing.forcegen.arrays import pledge_arrays
from willing.forcegen.plan import build_model
from willing.robust.stress import stress
from willing.scenario import Scenario, apply_overrides, load_scenario, parse_scenario
from willing.synthetic import synthetic_scenario
from willing.whatif import Edit, WhatIf, edited_yaml, effective, overrides_of

DRAWS = 3000
"""Draws of each stress comparison: the same seed draws the same coalitions at any size."""


@pytest.fixture(scope="module")
def packaged_session() -> WhatIf:
    return WhatIf(load_scenario("ukraine-2025", force_option="medium"))


@pytest.fixture(scope="module")
def synthetic_session() -> WhatIf:
    sc = synthetic_scenario(nations=8, pledges=60, requirements=25, states=2, seed=3)
    return WhatIf(sc, sc.states[1])


def edits_of(sc: Scenario) -> st.SearchStrategy[list[Edit]]:
    """Random edit lists over the scenario's own nations and pledges."""
    nations = list(sc.spec.nations)
    pledges = [p.id for p in sc.pledges]
    prob = st.floats(0.0, 1.0).map(lambda x: round(x, 2))
    one = st.one_of(
        st.builds(Edit, st.just("nation"), st.booleans(), st.sampled_from(nations)),
        st.builds(Edit, st.just("pledge"), st.booleans(), st.sampled_from(pledges)),
        st.builds(Edit, st.just("count"), st.integers(0, 12), st.sampled_from(pledges)),
        st.builds(Edit, st.just("willingness"), prob, st.sampled_from(nations)),
        st.builds(Edit, st.just("backstop"), prob))
    return st.lists(one, max_size=6)


def assert_cold(session: WhatIf, edits: list[Edit]) -> None:
    """The session's answer against `plan` and `stress` of the edited scenario, from scratch."""
    warm = session.run(edits, draws=DRAWS, seed=7)
    edited = apply_overrides(session.scenario, warm.overrides)
    cold = plan(edited, session.state)
    for name in ("coverage", "gaps", "leads", "requirements"):
        pd.testing.assert_frame_equal(getattr(warm.plan, name), getattr(cold, name), obj=name)
    assert warm.summary()["personnel_filled"] == int(cold.requirements["personnel_filled"].sum())
    assert warm.stress == stress(edited, session.state, draws=DRAWS, seed=7).summary


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_packaged_what_if_is_the_cold_answer(packaged_session: WhatIf, data: st.DataObject) -> None:
    assert_cold(packaged_session, data.draw(edits_of(packaged_session.scenario)))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_synthetic_what_if_is_the_cold_answer(synthetic_session: WhatIf, data: st.DataObject) -> None:
    assert_cold(synthetic_session, data.draw(edits_of(synthetic_session.scenario)))


def test_a_nation_off_and_on_again_is_kept_not_solved(packaged_session: WhatIf) -> None:
    off = [Edit("nation", False, "FRA")]
    first = packaged_session.run(off, draws=DRAWS)
    again = packaged_session.run([*off, Edit("willingness", 0.3, "DEU")], draws=DRAWS)
    assert "plan" in again.reused and "kernel" in again.reused
    assert first.summary()["coverage"] == again.summary()["coverage"]
    full = packaged_session.run([*off, Edit("nation", True, "FRA")], draws=DRAWS)
    assert full.summary()["units_filled"] > first.summary()["units_filled"]


def test_an_edit_changes_what_it_says(packaged_session: WhatIf) -> None:
    sc = packaged_session.scenario
    eff = effective(sc, [Edit("nation", False, "FRA"), Edit("count", 2, "GBR-1"),
                         Edit("pledge", False, "GBR-1"), Edit("pledge", True, "GBR-1")])
    edited = apply_overrides(sc, overrides_of(sc, eff))
    counts = {p.id: p.count for p in edited.pledges}
    assert all(counts[p.id] == 0 for p in edited.pledges if p.nation == "FRA")
    assert counts["GBR-1"] == 2  # off and on again: the count set stays
    assert eff.stated["GBR-1"] == 2 and "FRA" in eff.nation_off


@pytest.mark.parametrize(("edit", "message"), [
    (Edit("nation", False, "XYZ"), "edits[0] (nation): no nation 'XYZ' in the scenario; valid: GBR"),
    (Edit("pledge", False, "GBR-99"), "no pledge 'GBR-99' in the scenario; valid: GBR-1"),
    (Edit("count", 2.5, "GBR-1"), "value must be a whole number of units from 0 to 10,000, got 2.5"),
    (Edit("count", 10_001, "GBR-1"), "from 0 to 10,000, got 10001"),
    (Edit("willingness", 1.5, "FRA"), "value must be a probability from 0 to 1, got 1.5"),
    (Edit("backstop", True), "value must be a probability from 0 to 1, got True"),
    (Edit("nation", 1, "FRA"), "value must be true (on) or false (off), got 1"),
    (Edit("unknown", 1), "unknown kind; valid: nation, pledge, count, willingness, backstop"),  # type: ignore[arg-type]
])
def test_a_bad_edit_says_which_and_what_is_valid(packaged_session: WhatIf, edit: Edit,
                                                 message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        effective(packaged_session.scenario, [edit])


def test_an_unknown_state_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown state 'calm'; valid: pre-ceasefire, ceasefire"):
        WhatIf(load_scenario("ukraine-2025"), "calm")


def test_the_model_is_rebuilt_only_for_other_counts() -> None:
    sc = load_scenario("ukraine-2025")
    built = build_model(sc, "ceasefire")
    other = load_scenario("ukraine-2026")
    with pytest.raises(ValueError, match="differ in more than their counts"):
        built.with_pledges(pledge_arrays(other))


def test_edited_yaml_is_the_edited_scenario_with_its_comments(packaged_session: WhatIf) -> None:
    sc = packaged_session.scenario
    eff = effective(sc, [Edit("nation", False, "POL"), Edit("willingness", 0.25, "DEU"),
                         Edit("backstop", 0.3)])
    overrides = overrides_of(sc, eff)
    text = edited_yaml(sc, overrides, "what if Poland stays out")
    assert text.startswith("# what if Poland stays out\n")
    assert "# Built on public positions" in text  # the file's own comments are kept
    again = parse_scenario(text, "edited.yaml", force_option=sc.force_option)
    edited = apply_overrides(sc, overrides)
    assert [(p.id, p.count) for p in again.pledges] == [(p.id, p.count) for p in edited.pledges]
    assert again.spec.nations["DEU"].willingness == 0.25
    assert again.spec.uncertainty.us_backstop == 0.3


def test_edited_yaml_refuses_what_the_force_option_sets_itself() -> None:
    sc = load_scenario("ukraine-2025", force_option="small")
    clash = {"mission_lines.air.requirements.air-cap.stations": 2}
    with pytest.raises(ValueError, match=re.escape("force option 'small' sets mission_lines.air")):
        edited_yaml(sc, clash)
