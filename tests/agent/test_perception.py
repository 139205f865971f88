"""Perception: trainable from the simulator's segmentation, pluggable into the env's map."""

from __future__ import annotations

import time

import gymnasium as gym
import numpy as np
import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook

import sim  # noqa: F401
from agent.model.perception import (
    LearnedPerception,
    PerceptionNet,
    segmentation_loss,
    segmentation_targets,
)
from sim.semantic_map import SEMANTIC_START


def _frames(n_homes: int = 3, per_home: int = 4):
    """Camera frames with their oracle labels, from a few homes, turning on the spot."""
    env = gym.make("Roomby/GoToObject-OneRoom-v0")
    rgbs, depths, types, colors = [], [], [], []
    for seed in range(n_homes):
        env.reset(seed=seed)
        world = env.unwrapped.world
        x, y, yaw = world.pose()
        for k in range(per_home):
            world.set_pose(x, y, yaw + k * np.pi / 2)
            rgb, depth, seg = world.render_camera()
            t, c = world.oracle_labels(seg)
            rgbs.append(rgb.transpose(2, 0, 1))
            depths.append(depth[None])
            types.append(t)
            colors.append(c)
    env.close()
    return (torch.from_numpy(np.stack(rgbs)), torch.from_numpy(np.stack(depths)),
            *segmentation_targets(np.stack(types), np.stack(colors)))


def test_perception_learns_from_segmentation_masks() -> None:
    torch.manual_seed(0)
    rgb, depth, t, c = _frames()
    assert (t > 0).float().mean() > 0.05, "frames should show furniture"
    net = PerceptionNet()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)

    def accuracy() -> tuple[float, float]:
        with torch.no_grad():
            out = net(rgb, depth)
        on = t > 0  # furniture pixels: the background alone would be a trivial majority
        return ((out.type_logits.argmax(1) == t)[on].float().mean().item(),
                (out.color_logits.argmax(1) == c)[on].float().mean().item())

    before = accuracy()
    for _ in range(200):
        loss = segmentation_loss(net(rgb, depth), t, c)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = accuracy()
    assert after[0] > 0.8 and after[1] > 0.8, f"type/colour accuracy {before} -> {after}"


def test_learned_perception_fills_the_env_semantic_layer() -> None:
    torch.manual_seed(0)
    net = PerceptionNet()
    with torch.no_grad():  # a net that calls every pixel label 2: type index 1, colour index 1
        net.head_out.bias.zero_()
        net.head_out.bias[2] = 100.0
        net.head_out.bias[11 + 2] = 100.0
    perception = LearnedPerception(net)
    rgb = np.zeros((60, 80, 3), np.uint8)
    types, colors = perception(rgb, np.ones((60, 80), np.float32))
    assert types.shape == (60, 80) and types.dtype == np.uint8
    assert (types == 2).all() and (colors == 2).all()

    env = gym.make("Roomby/GoToObject-OneRoom-v0", perception=perception)
    obs, _ = env.reset(seed=0)
    semantic = obs["map"][SEMANTIC_START:]
    assert semantic[1].max() > 0.5  # type index 1 was "seen"...
    assert semantic[0].max() == 0 and semantic[2:10].max() == 0  # ...and no other type
    env.close()


def test_a_time_budget_ends_perception_training_at_the_low_learning_rate() -> None:
    """`minutes` stops a fit when spent, whatever `steps` says, and the cosine runs over the
    time: the last updates are made near 10 % of the base rate however fast the machine is."""
    from agent.train.perception_fit import cosine_factor, fit_perception

    assert cosine_factor(0.0) == 1.0 and abs(cosine_factor(1.0) - 0.1) < 1e-9
    assert cosine_factor(2.0) == cosine_factor(1.0), "past the budget the rate stays low"
    rng = np.random.default_rng(0)
    n = 8
    frames = {"frame_rgb": rng.integers(0, 256, (n, 3, 60, 80), dtype=np.uint8),
              "frame_depth": rng.integers(200, 5000, (n, 60, 80)).astype(np.uint16),
              "frame_types": rng.integers(0, 3, (n, 60, 80), dtype=np.uint8),
              "frame_colors": rng.integers(0, 3, (n, 60, 80), dtype=np.uint8)}
    seen: list[tuple[float, float]] = []  # (time, rate) of each update
    hook = register_optimizer_step_pre_hook(
        lambda opt, args, kwargs: seen.append((time.time(), opt.param_groups[0]["lr"])))
    budget = 3.0
    try:
        t0 = time.time()
        done = fit_perception(PerceptionNet(), frames, np.arange(n), steps=10**6, batch=2,
                              lr=0.01, background=0.3, rng=rng, minutes=budget / 60)
        took = time.time() - t0
    finally:
        hook.remove()
    assert 2 <= done == len(seen) < 10**6 and took < budget + 5, (done, took)
    # The rate was set before the update's forward pass, so it is at least the time-based rate
    # at the update; the last updates run at under half the base rate.
    assert all(r >= 0.01 * cosine_factor((t - t0) / budget) - 1e-9 for t, r in seen), seen
    assert seen[0][1] > 0.0099 and seen[-1][1] < 0.005, seen
    assert all(a[1] >= b[1] for a, b in zip(seen, seen[1:], strict=False)), "the rate only falls"
