from __future__ import annotations

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim  # noqa: F401
from sim.catalog import HELDOUT_PAIRS
from sim.language import parse
from sim.tasks import FAMILIES, family_of, goal_steps, task_for

SINGLE = ("goto_object", "goto_room", "vacuum_under", "vacuum_room")

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENVS: dict[tuple[str, str], gym.Env] = {}


def env_for(family: str, split: str) -> gym.Env:
    key = (family, split)
    if key not in ENVS:
        ENVS[key] = gym.make("Roomby/Mixed-v0", split=split).unwrapped
        ENVS[key].task = family
    return ENVS[key]


@pytest.mark.parametrize("family", FAMILIES)
@given(seed=st.integers(0, 2**31 - 1))
@SETTINGS
def test_every_generated_task_is_solvable_and_says_what_it_means(family: str, seed: int):
    env = env_for(family, "train")
    _, info = env.reset(seed=seed)
    goal, home, grid = info["goal"], env.home, env.grid
    assert info["family"] == family == family_of(goal)
    assert goal["task"] == (family if family in SINGLE else "sequence")
    # The words mean exactly the goal (the parser and the generator agree).
    assert parse(info["instruction"]).goal == goal
    for k, step in enumerate(goal_steps(goal)):
        task = task_for(step)
        step = env.progress.resolved[k]
        if step is None:  # goes back to a room known once the step before has begun
            assert goal_steps(goal)[k]["task"] == "previous_room" and k == 2
            continue
        if step.get("object"):
            targets = home.find(step["object"], step["color"], step["room"])
            assert len(targets) == 1, "a generated description names exactly one piece"
            assert (step["color"], step["object"]) not in HELDOUT_PAIRS
        # The region is there and the robot can get to it.
        assert task.approach_region(home, grid, step).any()
        if step["task"].startswith("vacuum"):
            assert (task.region(home, grid, step) & grid.coverable).sum() > 20
    # The start is not already a success.
    x, y, _ = env.world.pose()
    first = goal_steps(goal)[0]
    assert not task_for(first).achieved(home, grid, first, (x, y), env.dirt.cleaned)


@given(seed=st.integers(0, 2**31 - 1))
@SETTINGS
def test_heldout_pairs_split_targets_only_heldout_pairs(seed: int):
    env = env_for("goto_object", "heldout_pairs")
    _, info = env.reset(seed=seed)
    g = info["goal"]
    assert (g["color"], g["object"]) in HELDOUT_PAIRS


def test_heldout_homes_differ_from_training_homes():
    a = env_for("goto_room", "train")
    b = env_for("goto_room", "heldout")
    a.reset(seed=5)
    b.reset(seed=5)
    assert a.home.to_dict() != b.home.to_dict()


def test_heldout_phrasing_uses_heldout_templates():
    env = gym.make("Roomby/GoToRoom-v0", split="heldout_phrasing").unwrapped
    texts = set()
    for seed in range(6):
        _, info = env.reset(seed=seed)
        texts.add(info["instruction"].split(" the ")[0])
    assert texts <= {"could you move to", "navigate into"}
    env.close()


def test_one_room_mixed_samples_only_one_room_families():
    env = gym.make("Roomby/Mixed-OneRoom-v0").unwrapped
    seen = set()
    for seed in range(12):
        _, info = env.reset(seed=seed)
        seen.add(info["family"])
        assert len(env.home.rooms) == 1
    assert seen <= {"goto_object", "vacuum_under", "vacuum_room"} and len(seen) >= 2
    env.close()
