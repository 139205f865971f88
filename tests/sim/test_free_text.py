"""Free text: the command set in tests/sim/data/free_text/ (written from the goal schema and the
catalogue without reading the parser; a third of each category held out from any tuning) read by
`sim.language.parse`, and the reader's pieces on their own."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sim.free_text import correct, normalise
from sim.language import normalize_goal, parse

DATA = Path(__file__).parent / "data" / "free_text"


def _lines() -> list[dict]:
    out = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            row["category"] = path.stem
            out.append(row)
    return out


LINES = _lines()


def _right(row: dict) -> bool:
    want = None if row["goal"] is None else normalize_goal(row["goal"])
    return parse(row["text"]).goal == want


def test_the_set_is_large_and_split_by_thirds():
    assert len(LINES) >= 300
    per = Counter(r["category"] for r in LINES)
    held = Counter(r["category"] for r in LINES if r["split"] == "heldout")
    assert len(per) == 8
    for cat, n in per.items():
        assert abs(held[cat] - n / 3) <= 1, cat


def test_held_out_commands_are_read_right():
    held = [r for r in LINES if r["split"] == "heldout"]
    right = sum(_right(r) for r in held)
    assert right / len(held) >= 0.95, f"{right}/{len(held)}"


@pytest.mark.parametrize("category", sorted({r["category"] for r in LINES}))
def test_each_category_is_read_right(category: str):
    rows = [r for r in LINES if r["category"] == category]
    wrong = [r["text"] for r in rows if not _right(r)]
    assert 1 - len(wrong) / len(rows) >= 0.90, wrong


def test_non_commands_are_refused_with_a_reason():
    rows = [r for r in LINES if r["category"] == "noncommands"]
    refused = [parse(r["text"]) for r in rows]
    assert sum(p.goal is None for p in refused) / len(rows) >= 0.95
    assert all(p.error for p in refused if p.goal is None)


@pytest.mark.parametrize("typed,read", [
    ("vacum", "vacuum"), ("kichen", "kitchen"), ("bedrom", "bedroom"), ("cuch", "couch"),
    ("gren", "green"), ("vacume", "vacuum"), ("ofice", "office"), ("bathrom", "bathroom"),
])
def test_clear_misspellings_are_corrected(typed: str, read: str):
    assert correct(typed) == read


@pytest.mark.parametrize("word", ["the", "wug", "cat", "xyzzy", "weather", "music"])
def test_words_that_are_not_clearly_one_known_word_are_left_alone(word: str):
    assert correct(word) is None


def test_the_reading_says_what_it_corrected_and_ignored():
    r = normalise("hi roomby, could you hoover under the red lovesaet cheers")
    assert r.text == "vacuum under the red couch"
    assert ("lovesaet", "loveseat") in r.corrections
    assert "cheers" in r.ignored and "roomby" in r.ignored


@pytest.mark.parametrize("text,steps", [
    ("go to the hall, but first vacuum the kitchen", ["kitchen", "hallway"]),
    ("before you go to the office, vacuum the bedroom", ["bedroom", "office"]),
    ("vacuum the bathroom and the kitchen", ["bathroom", "kitchen"]),
    ("go to the kitchen, then the bedroom, then vacuum the office",
     ["kitchen", "bedroom", "office"]),
])
def test_steps_come_in_the_order_they_are_to_be_done(text: str, steps: list[str]):
    goal = parse(text).goal
    assert goal is not None and [s["room"] for s in goal["steps"]] == steps


def test_going_to_two_places_in_one_step_is_asked_not_guessed():
    res = parse("go to the chair and the couch")
    assert res.goal is None and "more than one object" in res.error


@pytest.mark.parametrize("text,word,known", [
    ("go to the piano", "piano", "bookshelf, chair, couch"),
    ("vacuum under the pink chair", "pink", "black, blue, green"),
    ("clean the garage", "garage", "bathroom, bedroom, hallway"),
    ("vacuum under the lamp in the kitchen", "lamp", "bed, bookshelf"),
])
def test_what_the_home_cannot_have_is_named_with_what_is_known(text: str, word: str, known: str):
    res = parse(text)
    assert res.goal is None and f"'{word}' is not" in res.error and known in res.error


def test_a_canonical_reader_env_shows_the_policy_the_command_as_read():
    import gymnasium as gym

    import sim  # noqa: F401  (registers the ids)
    from sim.language import encode

    goal = {"task": "vacuum_under", "object": "couch", "color": "red", "room": None}
    said = "hi roomby, hoover under the red loveseat pls"
    for reader, seen in (("canonical", "vacuum under the red couch"), ("raw", said)):
        env = gym.make("Roomby/VacuumUnder-OneRoom-v0", reader=reader)
        try:
            obs, info = env.reset(seed=0, options={"goal": goal, "instruction": said})
            assert (obs["instruction"] == encode(seen)).all()
            assert info["instruction"] == said  # the sim still states what was said
        finally:
            env.close()
