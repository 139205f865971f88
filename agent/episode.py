"""Running episodes with a named policy: what `roomby run` and `roomby eval` share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

POLICIES: tuple[str, ...] = ("expert", "random")
Policy = Callable[[dict[str, np.ndarray]], np.ndarray]


def make_policy(name: str, env: gym.Env, seed: int | None = None) -> Policy:
    """A policy by name: 'expert' (sim.expert, privileged) or 'random' (uniform actions)."""
    if name == "expert":
        from sim.envs.skill_env import RoombySkillEnv
        from sim.expert import Expert

        if not isinstance(env.unwrapped, RoombySkillEnv):
            raise ValueError("the expert drives the skill-level env; pick an id without -Motor")
        expert = Expert(env)
        return lambda obs: expert.act(env)
    if name == "random":
        space = env.action_space
        space.seed(seed)
        return lambda obs: space.sample()
    raise ValueError(f"unknown policy {name!r}; choose one of {list(POLICIES)}")


def run_episode(env: gym.Env, policy: Policy, seed: int | None = None,
                options: dict[str, Any] | None = None,
                on_step: Callable[[int, np.ndarray, dict], None] | None = None) -> dict[str, Any]:
    """Run one episode to its end; returns the final metrics plus seed and termination."""
    obs, info = env.reset(seed=seed, options=options)
    terminated = truncated = False
    while not (terminated or truncated):
        action = policy(obs)
        obs, _, terminated, truncated, info = env.step(action)
        if on_step is not None:
            on_step(info["steps"], action, info)
    metrics = env.unwrapped.metrics()
    return {
        "seed": seed,
        "instruction": metrics["instruction"],
        "goal": metrics["goal"],
        "family": metrics["family"],
        "success": metrics["success"],
        "spl": round(float(metrics["spl"]), 4),
        "coverage": round(float(metrics["coverage"]), 4),
        "collisions": metrics["collisions"],
        "steps": metrics["steps"],
        "periods": metrics["periods"],
        "distance": round(float(metrics["distance"]), 3),
        "truncated": bool(truncated),
    }


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean success, SPL, coverage and collisions, overall and per task family."""

    def agg(rs: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(rs)
        return {
            "episodes": n,
            "success_rate": round(float(np.mean([r["success"] for r in rs])), 4) if n else 0.0,
            "spl": round(float(np.mean([r["spl"] for r in rs])), 4) if n else 0.0,
            "coverage": round(float(np.mean([r["coverage"] for r in rs])), 4) if n else 0.0,
            "collisions": round(float(np.mean([r["collisions"] for r in rs])), 3) if n else 0.0,
            "steps": round(float(np.mean([r["steps"] for r in rs])), 2) if n else 0.0,
        }

    out = agg(results)
    families = sorted({r["family"] for r in results})
    out["by_task"] = {f: agg([r for r in results if r["family"] == f]) for f in families}
    return out
