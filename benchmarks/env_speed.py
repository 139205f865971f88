"""Env speed: control periods per second with and without the camera, and the ratio of one
control period with its render (a motor-env step: physics, dirt, map, camera, observation) to one
bare PyBullet render of the same home, measured side by side in one run.

    .venv/bin/python benchmarks/env_speed.py [--steps 300] [--seed 0]

Target (docs/architecture.md): ratio <= 1.5.
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
import pybullet as p

import sim  # noqa: F401  (registers the ids)


def median_time(fn, n: int) -> float:
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=200, help="control periods per home")
    ap.add_argument("--homes", type=int, default=5, help="homes (seeds 0..N-1)")
    ap.add_argument("--env", default="Roomby/Mixed-Motor-v0")
    args = ap.parse_args()
    env = gym.make(args.env)
    rows = []
    for seed in range(args.homes):
        rows.append(measure(env, seed, args.steps))
        r, st, q, home = rows[-1]
        print(f"home {seed}: {len(home.rooms)} rooms, {len(home.furniture):2d} pieces  "
              f"render {r * 1e3:6.3f} ms  period+render {st * 1e3:6.3f} ms  "
              f"period {q * 1e3:6.3f} ms  ratio {st / r:.2f}")
    r, st, q = (float(np.median([row[i] for row in rows])) for i in range(3))
    cam = env.unwrapped.camera
    print(f"\n{args.env}, camera {cam.width}x{cam.height}, median over {args.homes} homes:")
    print(f"bare PyBullet render:                  {r * 1e3:7.3f} ms")
    print(f"control period with camera (env.step): {st * 1e3:7.3f} ms "
          f"= {1 / st:7.1f} periods/s")
    print(f"control period without camera:         {q * 1e3:7.3f} ms "
          f"= {1 / q:7.1f} periods/s")
    ratio = float(np.median([row[1] / row[0] for row in rows]))
    print(f"ratio step-with-render / bare render:  {ratio:.2f}  (target <= 1.5)")
    env.close()


def measure(env: gym.Env, seed: int, steps: int) -> tuple[float, float, float, object]:
    """Median times of a bare render, an env step and a period without camera in one home."""
    base = env.unwrapped
    env.reset(seed=seed)
    world, cam = base.world, base.camera
    rng = np.random.default_rng(seed)

    def bare_render() -> None:
        eye, target = cam.look_at(world.pose())
        view = p.computeViewMatrix(eye.tolist(), target.tolist(), [0, 0, 1],
                                   physicsClientId=world.client)
        p.getCameraImage(cam.width, cam.height, view, world._proj,
                         renderer=p.ER_TINY_RENDERER, physicsClientId=world.client)

    def env_step() -> None:
        # Forward or turn: stopping would end the episode.
        _, _, term, trunc, _ = env.step(int(rng.integers(0, 3)))
        if term or trunc:
            env.reset(seed=seed)

    def period_only() -> None:
        base._period(0.3 if rng.random() < 0.6 else 0.0, float(rng.uniform(-1, 1)))

    # Alternated call by call, so that machine load and CPU clock affect all three alike.
    t_render, t_step, t_period = [], [], []
    for _ in range(steps):
        t_render.append(median_time(bare_render, 1))
        t_step.append(median_time(env_step, 1))
        t_period.append(median_time(period_only, 1))
    return (float(np.median(t_render)), float(np.median(t_step)), float(np.median(t_period)),
            base.home)


if __name__ == "__main__":
    main()
