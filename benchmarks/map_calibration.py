"""What the perception calibration costs per camera frame: the semantic map update with and
without it (interleaved, the same frame), and the type weights the runtime computes.

    .venv/bin/python benchmarks/map_calibration.py [--checkpoint agent/checkpoints/roomby.pt]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np

import sim  # noqa: F401
from agent.policies.learned import LearnedPolicy
from sim.semantic_map import SemanticMap, type_confidence


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", default="agent/checkpoints/roomby.pt")
    p.add_argument("--repeats", type=int, default=400)
    args = p.parse_args()
    learned = LearnedPolicy.load(args.checkpoint)
    perception = learned.perception()
    if perception.type_given_room is None:
        raise SystemExit(f"{args.checkpoint} has no perception calibration: make one with "
                         "scripts/calibrate_perception.py")
    env = gym.make("Roomby/GoToObject-v0").unwrapped
    for seed in range(100):  # a first frame with plenty of furniture in view
        env.reset(seed=seed)
        rgb, depth, _ = env._frame
        types, colors, weight = perception(rgb, depth)
        if (types > 0).sum() > 1500:
            break
    pose = env.world.pose()
    maps = {"plain": (SemanticMap(env.grid, env.camera), None),
            "calibrated + weights": (SemanticMap(env.grid, env.camera,
                                                 perception.type_given_room), weight)}
    times: dict[str, list[float]] = {k: [] for k in maps}
    for _ in range(args.repeats):
        for k, (smap, w) in maps.items():
            t0 = time.perf_counter()
            smap.observe(types, colors, depth, pose, w)
            times[k].append(time.perf_counter() - t0)
    logits = np.random.default_rng(0).normal(size=(11, 30, 40)).astype(np.float32)
    tw = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        type_confidence(logits, perception.confidence_power).repeat(2, 0).repeat(2, 1)
        tw.append(time.perf_counter() - t0)
    env.close()
    print(f"frame with {(types > 0).sum()} furniture pixels (seed {seed}), median of "
          f"{args.repeats}, interleaved:")
    for k, v in times.items():
        print(f"  map update, {k}: {np.median(v) * 1e6:.0f} us")
    print(f"  type weights (runtime, power {perception.confidence_power:g}): "
          f"{np.median(tw) * 1e6:.0f} us")


if __name__ == "__main__":
    main()
