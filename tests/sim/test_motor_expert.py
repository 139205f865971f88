"""The motor-level expert drives the wheels through the same skills the skill-level env runs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import sim  # noqa: F401
from sim.motor_expert import FORWARD, HALT, LEFT, RIGHT, MotorExpert, wheel_action


def test_wheel_action_rounds_commands():
    assert wheel_action(0.3, 0.0) == FORWARD
    assert wheel_action(0.3, 0.2) == FORWARD  # a gentle arc: forward, corrected next period
    assert wheel_action(0.0, 1.5) == LEFT  # pure pursuit's turn in place
    assert wheel_action(0.0, -1.5) == RIGHT
    assert wheel_action(0.1, -0.5) == RIGHT  # a sharp arc: turn first
    assert wheel_action(0.0, 0.0) == LEFT  # holding still never means stop
    # No see-saw: a small correction back after a turn goes forward instead...
    assert wheel_action(0.1, 0.5, last=RIGHT) == FORWARD
    # ...but a turn in place (large heading error) turns whatever came before.
    assert wheel_action(0.0, 1.5, last=RIGHT) == LEFT


def _episode(env: gym.Env, expert: MotorExpert, seed: int) -> tuple[dict, list[int]]:
    env.reset(seed=seed)
    actions, done = [], False
    while not done:
        actions.append(expert.act(env))
        _, _, term, trunc, info = env.step(actions[-1])
        done = term or trunc
    return info, actions


@pytest.mark.parametrize("env_id,seeds", [("Roomby/GoToObject-OneRoom-Motor-v0", range(4)),
                                          ("Roomby/Mixed-Motor-v0", (1, 2))])
def test_motor_expert_succeeds_on_heldout_homes(env_id: str, seeds):
    env = gym.make(env_id, split="heldout")
    expert = MotorExpert(env)
    try:
        for seed in seeds:
            info, actions = _episode(env, expert, seed)
            assert info["success"], (seed, info["instruction"], info)
            assert actions.count(HALT) == 1 and actions[-1] == HALT
            assert expert.decisions >= 2  # it searched and went, not one lucky stop
            assert info["collisions"] <= max(2, 0.01 * info["periods"])
    finally:
        env.close()


def test_motor_expert_is_deterministic_and_resets_between_episodes():
    envs = [gym.make("Roomby/GoToObject-OneRoom-Motor-v0") for _ in range(2)]
    try:
        experts = [MotorExpert(e) for e in envs]
        a = _episode(envs[0], experts[0], 5)[1]
        _episode(envs[1], experts[1], 6)  # a different episode first: nothing carries over
        b = _episode(envs[1], experts[1], 5)[1]
        assert a == b
        counts = np.bincount(a, minlength=4)
        assert counts[FORWARD] > 0 and counts[LEFT] + counts[RIGHT] > 0
    finally:
        for e in envs:
            e.close()
