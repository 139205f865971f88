"""The families whose last step goes back (return, previous_room) and three-step sequences:
samplers, success rules, the expert, phrasings and goal validation."""

from __future__ import annotations

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim  # noqa: F401
from sim.expert import Expert
from sim.language import MEMORY_WORDS, TEMPLATES, parse, validate_goal
from sim.progress import GoalProgress
from sim.tasks import family_of, goal_steps

SETTINGS = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IDS = {"return": "Roomby/Return-v0", "previous_room": "Roomby/PreviousRoom-v0",
       "sequence3": "Roomby/Sequence3-v0"}
ENVS: dict[tuple[str, str], gym.Env] = {}


def env_for(family: str, split: str = "heldout") -> gym.Env:
    if (family, split) not in ENVS:
        ENVS[family, split] = gym.make(IDS[family], split=split)
    return ENVS[family, split]


def room_centre(home, name: str) -> tuple[float, float]:
    x0, y0, x1, y1 = home.room(name).rect
    return ((x0 + x1) / 2, (y0 + y1) / 2)


@pytest.mark.parametrize("family", IDS)
@given(seed=st.integers(0, 2**31 - 1))
@SETTINGS
def test_the_expert_solves_held_out_episodes(family: str, seed: int):
    env = env_for(family)
    _, info = env.reset(seed=seed)
    expert = Expert(env)
    done = False
    while not done:
        _, _, terminated, truncated, info = env.step(expert.act())
        done = terminated or truncated
    assert terminated and info["success"], info
    assert info["family"] == family
    assert info["step_index"] == len(goal_steps(info["goal"])) - 1


@pytest.mark.parametrize("family", ["return", "previous_room"])
@given(seed=st.integers(0, 2**31 - 1))
@SETTINGS
def test_episodes_that_go_back_start_outside_the_first_steps_room(family: str, seed: int):
    env = env_for(family, "train")
    _, info = env.reset(seed=seed)
    base = env.unwrapped
    steps = info["goal"]["steps"]
    first = steps[0]
    room = first["room"] or base.home.find(first["object"], first["color"])[0].room
    x, y, _ = base.world.pose()
    assert base.home.room_at(x, y) not in (None, room)
    assert steps[-1]["task"] == family
    if len(steps) == 3:  # the room to go back to (where the first step ended) is not the second's
        second = steps[1]
        assert second["room"] is None or second["room"] != room or second["object"]
    # Where to go back to is nowhere in the words.
    assert parse(info["instruction"]).goal == info["goal"]


def _custom(env: gym.Env, steps: list[dict], seed: int = 3):
    _, info = env.reset(seed=seed, options={"goal": {"task": "sequence", "steps": steps}})
    return env.unwrapped


def test_return_succeeds_only_back_at_the_start():
    env = env_for("return", "train")
    base = _custom(env, [{"task": "goto_room", "room": "kitchen"}, {"task": "return"}])
    home, grid = base.home, base.grid
    start = base.progress.start_xy
    kitchen = room_centre(home, "kitchen")
    for back, ok in ((start, True), ((start[0] + 0.45, start[1]), True),
                     ((start[0] + 0.6, start[1]), False), (kitchen, False)):
        pr = GoalProgress(home, grid, base.goal, start)
        pr.after_motion(kitchen, 1.0)
        pr.after_decision(kitchen, base.dirt.cleaned)
        assert pr.index == 1 and pr.current["xy"] == start
        assert pr.stop(back, base.dirt.cleaned) is ok
    # Back at the start without the first step done is no success.
    pr = GoalProgress(home, grid, base.goal, start)
    assert not pr.stop(start, base.dirt.cleaned)


def test_previous_room_is_the_room_the_step_before_began_in():
    env = env_for("previous_room", "train")
    steps = [{"task": "goto_room", "room": "kitchen"}, {"task": "goto_room", "room": "bedroom"},
             {"task": "previous_room"}]
    base = _custom(env, steps)
    home, grid, cleaned = base.home, base.grid, base.dirt.cleaned
    start = base.progress.start_xy
    start_room = home.room_at(*start)
    kitchen, bedroom = room_centre(home, "kitchen"), room_centre(home, "bedroom")

    def walk(stop_at):
        pr = GoalProgress(home, grid, base.goal, start)
        assert pr.resolved[2] is None  # not known before the second step begins
        for xy in (kitchen, bedroom):
            pr.after_motion(xy, 1.0)
            pr.after_decision(xy, cleaned)
        assert pr.index == 2 and pr.current["room"] == "kitchen"
        return pr.stop(room_centre(home, stop_at), cleaned)

    assert walk("kitchen")
    assert not walk("bedroom")
    if start_room not in (None, "kitchen"):
        assert not walk(start_room)
    # Two steps: the room to go back to is the one the command was given in.
    two = _custom(env, [{"task": "goto_room", "room": "kitchen"}, {"task": "previous_room"}])
    assert two.progress.resolved[1]["room"] == two.home.room_at(*two.progress.start_xy)


def test_held_out_phrasings_of_the_memory_families_use_held_out_words():
    for family, words in (("return", TEMPLATES["return"]["heldout"]),
                          ("previous_room", TEMPLATES["previous_room"]["heldout"])):
        env = env_for(family, "heldout_phrasing")
        for seed in range(3):
            _, info = env.reset(seed=seed)
            assert any(info["instruction"].endswith(w) for w in words), info["instruction"]
            assert parse(info["instruction"]).goal == info["goal"]


@pytest.mark.parametrize("task", MEMORY_WORDS)
def test_every_phrase_of_a_memory_step_parses(task: str):
    for phrase in MEMORY_WORDS[task]:
        goal = parse(f"vacuum the kitchen, then {phrase}").goal
        assert goal is not None and goal["steps"][1]["task"] == task, phrase
        assert family_of(goal) == task


@pytest.mark.parametrize("text,tasks", [
    ("hey roomby, clean under the blue bed and come straight back please",
     ["vacuum_under", "return"]),
    ("go to the kitchen then the office then back to the room you came from",
     ["goto_room", "goto_room", "previous_room"]),
    ("drive to the red chair, afterwards return to your starting point",
     ["goto_object", "return"]),
    ("hoover the lounge, then head back to the previous room", ["vacuum_room", "previous_room"]),
])
def test_free_text_that_goes_back(text: str, tasks: list[str]):
    goal = parse(text).goal
    assert goal is not None, parse(text).error
    assert [s["task"] for s in goal["steps"]] == tasks


def test_going_back_alone_is_answered_not_guessed():
    r = parse("come back here")
    assert r.goal is None and "needs something to do first" in r.error


@pytest.mark.parametrize("goal,message", [
    ({"task": "sequence", "steps": [{"task": "return"}, {"task": "goto_room", "room": "kitchen"}]},
     "cannot start with 'return'"),
    ({"task": "sequence", "steps": [{"task": "goto_room", "room": "kitchen"},
                                    {"task": "previous_room", "room": "office"}]},
     "takes no"),
    ({"task": "sequence", "steps": [{"task": "goto_room", "room": "kitchen"}] * 4}, "2 to 3"),
    ({"task": "return"}, "is a step of a sequence"),
    ({"task": "sequence", "steps": [{"task": "goto_room", "room": "kitchen"},
                                    {"task": "sequence", "steps": []}]}, "not sequences"),
])
def test_bad_goals_that_go_back_are_named(goal: dict, message: str):
    with pytest.raises(ValueError, match=message):
        validate_goal(goal)
