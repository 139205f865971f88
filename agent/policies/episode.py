"""Running episodes with a named policy: what `roomby run` and `roomby eval` share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import gymnasium as gym
import numpy as np

POLICIES: tuple[str, ...] = ("learned", "expert", "random")
PERCEPTIONS: tuple[str, ...] = ("learned", "oracle")
Policy = Callable[[dict[str, np.ndarray]], np.ndarray]


def checkpoint_of(name: str) -> str | None:
    """The checkpoint a policy name means: 'learned' = the shipped one, a path = itself;
    None for 'expert' and 'random'."""
    if name in ("expert", "random"):
        return None
    if name == "learned":
        from agent.model.checkpoint import DEFAULT_CHECKPOINT

        return str(DEFAULT_CHECKPOINT)
    return name


def env_overrides(policy: str, perception: str | None) -> dict[str, Any]:
    """Env keyword arguments a policy needs: the learned perception of its checkpoint fills the
    map unless `perception` says 'oracle' (default: learned for a learned policy)."""
    ckpt = checkpoint_of(policy)
    if perception is None:
        perception = "oracle" if ckpt is None else "learned"
    if perception not in PERCEPTIONS:
        raise ValueError(f"perception {perception!r} is not one of {list(PERCEPTIONS)}")
    if perception == "oracle":
        return {}
    if ckpt is None:
        raise ValueError(f"learned perception comes from a checkpoint; policy {policy!r} has "
                         "none (use --perception oracle, or a learned policy)")
    from agent.policies.learned import LearnedPolicy

    return {"perception": LearnedPolicy.load(ckpt).perception()}


def is_motor(env: gym.Env) -> bool:
    """Whether the env is motor-level (wheel actions every period) rather than skill-level."""
    from sim.envs.motor_env import RoombyMotorEnv

    return isinstance(env.unwrapped, RoombyMotorEnv)


def make_policy(name: str, env: gym.Env, seed: int | None = None) -> Policy:
    """A policy by name: 'learned' (the shipped checkpoint), a checkpoint path, 'expert'
    (sim.expert, privileged) or 'random' (uniform actions)."""
    ckpt = checkpoint_of(name)
    motor = is_motor(env)
    if ckpt is not None:
        from agent.policies.learned import LearnedPolicy

        return LearnedPolicy.load(ckpt, motor=motor)
    if name == "expert":
        from sim.expert import Expert
        from sim.motor_expert import MotorExpert

        expert = MotorExpert(env) if motor else Expert(env)
        return lambda obs: expert.act(env)
    if name == "random":
        space = env.action_space
        space.seed(seed)
        return lambda obs: space.sample()
    raise ValueError(f"unknown policy {name!r}; choose one of {list(POLICIES)}")


@contextmanager
def named_episode(env_id: str, seed: int, split: str) -> Iterator[None]:
    """Re-raise any error inside as a RuntimeError that names the episode, so it can be
    reproduced (`roomby run --env ... --seed ...`) from a worker's report."""
    try:
        yield
    except Exception as e:
        raise RuntimeError(f"{env_id} seed {seed} ({split}): {type(e).__name__}: {e}") from e


def run_episode(env: gym.Env, policy: Policy, seed: int | None = None,
                options: dict[str, Any] | None = None,
                on_step: Callable[[int, np.ndarray, dict], None] | None = None) -> dict[str, Any]:
    """Run one episode to its end; returns the final metrics plus seed and termination."""
    obs, info = env.reset(seed=seed, options=options)
    if hasattr(policy, "reset"):
        policy.reset()
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
