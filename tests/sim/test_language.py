from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, RAISED_TYPES, ROOM_TYPES
from sim.language import (
    MAX_TOKENS,
    PAD,
    TEMPLATES,
    UNK,
    VOCAB,
    decode,
    encode,
    parse,
    render_instruction,
    templates_for,
    validate_goal,
)
from sim.tasks import TASKS, Split


def single_goals():
    for obj, color in itertools.product(FURNITURE_TYPES, COLOR_NAMES):
        for room in (None, "living_room", "office"):
            yield {"task": "goto_object", "object": obj, "color": color, "room": room}
            if obj in RAISED_TYPES:
                yield {"task": "vacuum_under", "object": obj, "color": color, "room": room}
    for room in ROOM_TYPES:
        yield {"task": "goto_room", "object": None, "color": None, "room": room}
        yield {"task": "vacuum_room", "object": None, "color": None, "room": room}


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_every_template_parses_back_to_its_goal(split: str):
    n = 0
    for goal in single_goals():
        for t in templates_for(goal, split):
            text = render_instruction(goal, t)
            res = parse(text)
            assert res.goal == goal, (text, res)
            assert res.unknown_words == []
            n += 1
    assert n > 300


@pytest.mark.parametrize("split", ["train", "heldout_phrasing"])
def test_sampled_sequences_parse_back(split: str):
    rng = np.random.default_rng(0)
    task = TASKS["sequence"]
    for _ in range(200):
        s = task.sample(rng, Split.named(split))
        text = task.instruction(s.goal, rng, Split.named(split))
        assert parse(text).goal == s.goal, text


def test_headline_sentence_is_a_training_phrasing():
    assert any("you forgot to vacuum the spot under" in t
               for t in TEMPLATES["vacuum_under"]["train"])


def test_phrasing_splits_are_disjoint():
    for family, per in TEMPLATES.items():
        assert not set(per["train"]) & set(per["heldout"]), family


def test_synonyms_and_two_word_names():
    assert parse("vacuum beneath the sofa in the lounge").goal == {
        "task": "vacuum_under", "object": "couch", "color": None, "room": "living_room"}
    assert parse("go to the black tv stand").goal["object"] == "tv_stand"


def test_unknown_words_are_named_but_do_not_block_a_clear_goal():
    res = parse("go to the red couch quickly")
    assert res.goal["object"] == "couch" and res.unknown_words == ["quickly"]


@pytest.mark.parametrize("text,needle", [
    ("", "empty"),
    ("   ", "empty"),
    ("!!!", "no words"),
    ("x" * 100_000, "too long"),
    ("go to the red blue couch", "more than one colour"),
    ("go to the red", "colour but no object"),
    ("vacuum under the fridge", "cannot get under"),
    ("bonjour le robot", "bonjour"),
    ("go to the kitchen then the bedroom then the office then the hallway", "at most 3"),
    ("open the fridge", "'open' is not something I do"),
    ("is the kitchen clean?", "a question"),
    ("don't vacuum the bedroom", "not to do something"),
    ("the bathroom looks great", "not what to do"),
])
def test_bad_commands_get_clear_errors(text: str, needle: str):
    res = parse(text)
    assert res.goal is None
    assert needle in res.error


def test_encode_pads_truncates_and_marks_unknown():
    ids = encode("go to the zorblax couch")
    assert ids.dtype == np.int64 and ids.shape == (MAX_TOKENS,)
    assert UNK in ids and ids[5] == PAD
    assert decode(ids) == "go to the <unk> couch"
    assert len(encode("go " * 100)) == MAX_TOKENS
    assert all(w == w.lower() for w in VOCAB)


@pytest.mark.parametrize("goal,needle", [
    ({"task": "fly"}, "not one of"),
    ({"task": "goto_object"}, "needs an 'object'"),
    ({"task": "goto_object", "object": "piano"}, "'piano'"),
    ({"task": "goto_room", "room": "garage"}, "'garage'"),
    ({"task": "goto_room", "room": "kitchen", "colour": "red"}, "colour"),
    ({"task": "vacuum_under", "object": "rug"}, "raised object"),
    ("go to the kitchen", "a goal is a dict"),
])
def test_validate_goal_names_the_problem(goal, needle: str):
    with pytest.raises(ValueError) as e:
        validate_goal(goal)
    assert needle in str(e.value)
