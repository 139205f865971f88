"""The expert solves every family (a small sample here; benchmarks/expert.py runs 200 each)."""

from __future__ import annotations

import gymnasium as gym
import pytest

import sim  # noqa: F401
from sim.envs.skill_env import NAVIGATE
from sim.expert import Expert

CASES = [
    ("Roomby/GoToObject-v0", 4),
    ("Roomby/GoToRoom-v0", 4),
    ("Roomby/VacuumUnder-v0", 4),
    ("Roomby/VacuumRoom-v0", 2),
    ("Roomby/Sequence-v0", 3),
    ("Roomby/Mixed-OneRoom-v0", 4),
]


@pytest.mark.parametrize("env_id,n", CASES)
def test_expert_succeeds_on_heldout_homes(env_id: str, n: int):
    env = gym.make(env_id, split="heldout")
    expert = Expert(env)
    try:
        for seed in range(1000, 1000 + n):
            env.reset(seed=seed)
            done = False
            while not done:
                _, _, term, trunc, info = env.step(expert.act(env))
                done = term or trunc
            assert info["success"], (seed, info["instruction"], info)
            # Touches happen rarely, when coverage hugs furniture: < 1 % of control periods.
            assert info["collisions"] <= max(2, 0.01 * info["periods"])
            assert 0.0 < env.unwrapped.metrics()["spl"] <= 1.0
    finally:
        env.close()


def test_expert_explores_before_it_commits():
    """Until the camera has seen the target, every decision goes to unexplored map cells."""
    env = gym.make("Roomby/GoToObject-v0")
    expert = Expert(env)
    exploring = 0
    for seed in range(4):
        env.reset(seed=seed)
        base = env.unwrapped
        target = base.targets()[0]
        done = False
        while not done:
            action = expert.act(env)
            if not expert.seen(target):
                exploring += 1
                assert action[0] == NAVIGATE
                assert not base.smap.seen[int(action[1])], "drove to a seen cell while searching"
            _, _, term, trunc, info = env.step(action)
            done = term or trunc
        assert info["success"]
    assert exploring > 0  # the search did happen
