"""The robot backend in simulation: the runtime's own map equals the env's map observation when
both see the same frames and poses, and its skills drive the simulated robot."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import sim  # noqa: F401
from agent.runtime import BundleError, RuntimePolicy
from agent.runtime.robot import RobotAgent, RobotGrid
from sim.semantic_map import MAP_CHANNELS, SemanticMap


@pytest.mark.slow
def test_robot_agent_map_matches_env_and_drives(fw_bundle: Path) -> None:
    policy = RuntimePolicy(fw_bundle)
    # The env's semantic layer from the runtime's perception, so both maps get the same classes.
    env = gym.make("Roomby/VacuumUnder-OneRoom-v0",
                   perception=lambda rgb, depth: policy.perceive(rgb, depth).classes()).unwrapped
    try:
        env.reset(seed=1)
        agent = RobotAgent(None, RobotGrid.from_home_grid(env.grid), policy=policy)
        cmd = agent.start(env.instruction)
        assert cmd.unknown == []
        rgb, depth, _ = env._frame
        agent.observe(rgb, depth, env.world.pose())
        start = env.world.pose()
        checked, moving = 0, 0
        for period in range(450):
            pose = env.world.pose()
            before = agent.decisions
            v, w = agent.control(pose)
            if agent.decisions != before:  # the map a decision was made on
                got, want = agent.map.observation(pose), env._obs()["map"]
                diff = np.abs(got - want).max(axis=(1, 2))
                assert diff.max() == 0.0, {MAP_CHANNELS[i]: float(d)
                                           for i, d in enumerate(diff) if d}
                checked += 1
            if agent.done:
                break
            moving += (v, w) != (0.0, 0.0)
            env._period(v, w)
            if period % env.render_every == env.render_every - 1:
                env._sense()
                rgb, depth, _ = env._frame
                agent.observe(rgb, depth, env.world.pose())
        assert checked >= 1 and agent.decisions >= 1
        # When the periods run out before the episode ends, the env has driven one period the
        # agent has not been told of (it hears of a pose at its next control call).
        agent.map.moved(*env.world.pose()[:2])
        assert np.array_equal(agent.map.observation(env.world.pose()), env._obs()["map"])
        end = env.world.pose()
        assert moving > 10 and np.hypot(end[0] - start[0], end[1] - start[1]) > 0.1
        assert env.progress.collisions <= 3
    finally:
        env.close()


def test_grid_from_occupancy_matches_the_sim(fw_bundle: Path) -> None:
    env = gym.make("Roomby/GoToObject-v0").unwrapped
    try:
        env.reset(seed=0)
        g = env.grid
        x, y, _ = env.world.pose()
        rg = RobotGrid.from_occupancy(~g.floor, g.room_label, start_xy=(x, y))
    finally:
        env.close()
    assert np.array_equal(rg.map_occupancy, g.map_occupancy)
    assert np.array_equal(rg.map_rooms, g.map_rooms)
    iou = (rg.reachable & g.reachable).sum() / (rg.reachable | g.reachable).sum()
    assert iou > 0.9, iou
    with pytest.raises(ValueError, match="fine grid"):
        RobotGrid.from_occupancy(np.zeros((10, 10), bool), np.zeros((10, 10), np.int8))


def test_bundle_for_another_map_is_refused(fw_bundle: Path) -> None:
    policy = RuntimePolicy(fw_bundle)
    policy.bundle.meta = {**policy.bundle.meta,
                          "map": {**policy.bundle.meta["map"], "channels": ["occupancy"]}}
    grid = RobotGrid(np.ones((240, 240), bool), np.ones((240, 240), np.int8),
                     np.ones((240, 240), bool))
    with pytest.raises(BundleError, match="not this roomby's map"):
        RobotAgent(None, grid, policy=policy)


def test_cells_that_led_nowhere_are_not_chosen_again(fw_bundle: Path, fw_checkpoint: Path,
                                                     fw_episode) -> None:
    """Torch policy and runtime alike: a navigate/clean after which the robot has not moved
    blocks its cell; the next decision points elsewhere (and is otherwise the argmax)."""
    import torch

    from agent.model.checkpoint import load_checkpoint
    from agent.policies.learned import LearnedPolicy

    obs = fw_episode.obs[0]
    rt = RuntimePolicy(fw_bundle)
    rt.reset(fw_episode.instruction)
    percept = rt.perceive(obs["rgb"], obs["depth"])
    free = rt.decide(obs["map"], obs["pose"], percept)
    rt.reset(fw_episode.instruction)
    masked = rt.decide(obs["map"], obs["pose"], percept, {free.cell})
    assert masked.cell != free.cell
    logits = free.outputs["pointer_logits"][0].copy()
    logits[free.cell] = -np.inf
    assert masked.cell == int(np.argmax(logits))

    net, _ = load_checkpoint(fw_checkpoint)  # the bundle's own checkpoint
    with torch.no_grad():
        net.skill_head.bias[:] = torch.tensor([-20.0, 20.0, -20.0])  # always navigate
    policy = LearnedPolicy(net)
    first = policy(obs)
    second = policy(obs)  # same pose: the first cell led nowhere
    assert first[0] == second[0] == 1
    assert second[1] != first[1] and policy.blocked == {int(first[1])}
    moved = dict(obs, pose=obs["pose"] + np.array([0.5, 0, 0, 0], np.float32))
    policy(moved)  # the robot moved: nothing new is blocked
    assert policy.blocked == {int(first[1])}


def test_the_checkpoint_s_calibration_reaches_the_robot_s_map(fw_checkpoint: Path) -> None:
    """A checkpoint's `perception_calibration` is in its bundle's metadata and the robot's map
    counts type hits through it, the way the env's map does with `LearnedPerception`; a
    calibration of the wrong shape is refused with the command that remakes it."""
    from agent.export.torch_bundle import TorchBundle
    from agent.model.checkpoint import load_checkpoint
    from agent.policies.learned import LearnedPolicy
    from agent.train.calibration import type_matrix
    from sim.catalog import ROOM_TYPES
    from sim.semantic_map import N_TYPES

    net, meta = load_checkpoint(fw_checkpoint)
    counts = np.random.default_rng(0).integers(0, 50, (len(ROOM_TYPES) + 1, N_TYPES + 1,
                                                       N_TYPES + 1))
    cal = type_matrix(counts)
    meta["perception_calibration"] = {"type_given_room": cal.tolist(), "confidence_power": 4.0}
    bundle = TorchBundle.from_network(net, checkpoint_meta=meta, script=False)
    assert np.allclose(bundle.meta["map"]["type_given_room"], cal)
    assert bundle.meta["map"]["type_confidence_power"] == 4.0
    env = gym.make("Roomby/GoToObject-OneRoom-v0").unwrapped
    try:
        env.reset(seed=0)
        agent = RobotAgent(None, RobotGrid.from_home_grid(env.grid),
                           policy=RuntimePolicy(bundle))
        agent.start(env.instruction)
        assert np.allclose(agent.map.semantic._type_given_room, cal)
        learned = LearnedPolicy(net)
        learned.meta = meta
        perception = learned.perception()
        assert np.allclose(perception.type_given_room, cal)
        # the same frame weighs its type readings alike in the env's and the robot's map
        rgb, depth, _ = env._frame
        types, colors, weight = perception(rgb, depth)
        assert weight.shape == types.shape and 0 < weight.min() and weight.max() <= 1
        assert weight.min() < 0.9, "some pixels are uncertain"
        agent.observe(rgb, depth, env.world.pose())
        np.testing.assert_allclose(agent.percept.type_weight(4.0), weight, atol=1e-5)
        smap = SemanticMap(env.grid, env.camera, cal)
        smap.observe(types, colors, depth, env.world.pose(), weight)
        np.testing.assert_allclose(agent.map.semantic.type_hits, smap.type_hits, atol=1e-3)
        assert not np.allclose(smap.type_hits.sum(), (types > 0).sum()), "weights count"
    finally:
        env.close()
    meta["perception_calibration"] = {"type_given_room": cal[:, :2].tolist()}
    with pytest.raises(ValueError, match="calibrate_perception.py"):
        TorchBundle.from_network(net, checkpoint_meta=meta, script=False)
