from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import sim
from sim.envs import RoombySkillEnv
from sim.envs.skill_env import CLEAN, NAVIGATE, STOP
from sim.grid import MAP_SIZE
from sim.semantic_map import MAP_CHANNELS

IDS = sorted(sim.ENV_SPECS)


def small_actions(env: gym.Env, rng: np.random.Generator, n: int) -> list:
    """Cheap actions: navigate to cells near the robot (skill env) or wheel actions."""
    if isinstance(env.unwrapped, RoombySkillEnv):
        out = []
        for _ in range(n):
            x, y, _ = env.unwrapped.world.pose()
            r = int(np.clip(y / 0.25 + rng.integers(-3, 4), 0, MAP_SIZE - 1))
            c = int(np.clip(x / 0.25 + rng.integers(-3, 4), 0, MAP_SIZE - 1))
            out.append(np.array([NAVIGATE, r * MAP_SIZE + c]))
        return out
    return [int(a) for a in rng.integers(0, 3, size=n)]


def test_ids_are_registered_with_time_limits():
    for env_id in IDS:
        spec = gym.spec(env_id)
        assert spec.max_episode_steps and spec.max_episode_steps > 0


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_and_sb3_checkers(env_id: str):
    # The checkers step with random actions; a short skill budget keeps a random "clean the
    # room" from running for thousands of control periods.
    kw = {"max_periods": 100} if "Motor" not in env_id else {}
    env = gym.make(env_id, **kw)
    try:
        gym_check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(env.unwrapped, warn=True)
    finally:
        env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_two_env_determinism_rollout(env_id: str):
    a, b = gym.make(env_id), gym.make(env_id)  # also: two PyBullet clients in one process
    try:
        assert a.unwrapped.world.client != b.unwrapped.world.client
        oa, ia = a.reset(seed=123)
        ob, ib = b.reset(seed=123)
        assert ia["instruction"] == ib["instruction"] and ia["goal"] == ib["goal"]
        actions = small_actions(a, np.random.default_rng(0), 3)
        for action in actions:
            for k in oa:
                np.testing.assert_array_equal(oa[k], ob[k], err_msg=k)
            oa, ra, ta, _, ia = a.step(action)
            ob, rb, tb, _, ib = b.step(action)
            assert ra == rb and ta == tb
        assert a.unwrapped.home.to_dict() == b.unwrapped.home.to_dict()
        oc, ic = a.reset(seed=124)
        assert ic["instruction"] != ia["instruction"] or not np.array_equal(oc["map"], oa["map"])
    finally:
        a.close()
        b.close()


def test_observation_contract():
    env = gym.make("Roomby/GoToObject-OneRoom-v0")
    obs, info = env.reset(seed=0)
    space = env.observation_space
    assert space["rgb"].dtype == np.uint8 and obs["rgb"].shape[0] == 3
    assert space["instruction"].dtype == np.int64
    assert isinstance(space["instruction"], gym.spaces.Box)
    assert obs["map"].shape == (len(MAP_CHANNELS), MAP_SIZE, MAP_SIZE)
    # The robot channel marks the pose's cell; the map knows the home's rooms.
    ch = MAP_CHANNELS.index("robot")
    r, c = np.argwhere(obs["map"][ch] == 1.0)[0]
    assert (r, c) == (int(obs["pose"][1] / 0.25), int(obs["pose"][0] / 0.25))
    assert obs["map"][MAP_CHANNELS.index("room:" + env.unwrapped.home.rooms[0].name)].max() == 1
    # The camera sees something: depth varies and the seen channel is not empty.
    assert obs["depth"].std() > 0.05 and obs["map"][MAP_CHANNELS.index("seen")].sum() > 5
    env.close()


def test_custom_goal_and_verbatim_instruction():
    env = gym.make("Roomby/Mixed-v0")
    text = "Roomby, you forgot to vacuum the spot under the red couch in the living room!"
    goal = {"task": "vacuum_under", "object": "couch", "color": "red", "room": "living_room"}
    obs, info = env.reset(seed=7, options={"goal": goal, "instruction": text})
    home = env.unwrapped.home
    assert info["instruction"] == text
    assert home.find("couch", "red", "living_room")
    assert any(f.type == "couch" and f.color != "red" for f in home.furniture) or \
        any(f.color == "red" and f.type != "couch" for f in home.furniture)  # distractors
    with pytest.raises(ValueError, match="unknown goal key"):
        env.reset(seed=7, options={"goal": {"task": "goto_room", "room": "kitchen", "x": 1}})
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(seed=7, options={"gaol": goal})
    env.close()


def test_stop_at_start_fails_and_ends_the_episode():
    env = gym.make("Roomby/GoToObject-v0")
    env.reset(seed=1)
    _, reward, terminated, truncated, info = env.step(np.array([STOP, 0]))
    assert terminated and not truncated and info["success"] is False and reward < 0
    env.close()


def test_clean_skill_cleans_the_region():
    env = gym.make("Roomby/VacuumRoom-v0")
    env.reset(seed=2)
    base = env.unwrapped
    room = base.goal["room"]
    cell = next(k for k in range(MAP_SIZE * MAP_SIZE)
                if base.home.room_at(*base.cell_center(k)) == room
                and (base.region_at(k) == (base.grid.room_mask(room) & base.grid.floor)).all())
    _, reward, _, _, info = env.step(np.array([CLEAN, cell]))
    assert info["coverage"] >= 0.9 and reward > 0.5
    _, _, terminated, _, info = env.step(np.array([STOP, 0]))
    assert terminated and info["success"] and info["spl"] > 0
    env.close()


def test_import_sim_does_not_import_pybullet():
    code = ("import sys, sim, sim.skills, sim.grid, sim.language, sim.tasks, sim.camera; "
            "assert 'pybullet' not in sys.modules, 'pybullet imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rgb_array_render_is_a_picture():
    env = gym.make("Roomby/GoToObject-OneRoom-v0", render_mode="rgb_array")
    env.reset(seed=0)
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 and img.std() > 10
    env.close()
