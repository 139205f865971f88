"""Evaluation over generated episodes, per task family, in parallel worker processes."""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from typing import Any

from agent.workers import RunConfig, pool_map, shipped
from sim.config import EnvConfig

CHUNK = 5  # episodes per work item: small enough to balance, large enough to amortise set-up


@dataclass
class EvalJob:
    """A few episodes of one env id, run in one worker with one policy."""

    env: dict[str, Any]
    """EnvConfig fields."""
    env_id: str
    policy: str
    """'learned', 'expert', 'random' or a checkpoint path."""
    perception: str | None
    """'learned', 'oracle', or None for the policy's default."""
    episodes: list[tuple[int, dict[str, Any] | None]]
    """(seed, reset options or None); options may carry an 'index' that is handed back."""


def _run_chunk(job: EvalJob) -> list[dict[str, Any]]:
    import torch

    from agent.policies.episode import (
        checkpoint_of,
        env_overrides,
        make_policy,
        named_episode,
        run_episode,
    )

    torch.set_num_threads(1)
    env_cfg, env_id = job.env, job.env_id
    ckpt = checkpoint_of(job.policy)
    policy_name = shipped(ckpt) if ckpt else job.policy  # a checkpoint: this worker's copy
    cfg = EnvConfig(**{**env_cfg, "id": env_id})
    env = cfg.make(**env_overrides(policy_name, job.perception))
    # A checkpoint is read once per chunk (run_episode resets it per episode); the expert and
    # random policies are made per episode (random is seeded by the episode's seed).
    learned = make_policy(policy_name, env) if ckpt else None
    try:
        out = []
        for seed, options in job.episodes:
            options = dict(options) if options else None
            index = options.pop("index", None) if options else None
            with named_episode(env_id, seed, env_cfg["split"]):
                policy = learned or make_policy(policy_name, env, seed)
                r = run_episode(env, policy, seed, options)
            r["env"] = env_id
            if index is not None:
                r["index"] = index
            out.append(r)
        return out
    finally:
        env.close()


def evaluate(env_cfg: EnvConfig, env_ids: list[str], episodes: int, policy: str,
             first_seed: int = 0, workers: int = 1, progress: bool = True,
             perception: str | None = None, run: RunConfig | None = None
             ) -> list[dict[str, Any]]:
    """Run `episodes` seeded episodes of each id; results sorted by (id order, seed). `run`:
    where (local worker processes, or Ray)."""
    seeds = list(range(first_seed, first_seed + episodes))
    who = _decider(policy)
    jobs = [EvalJob(asdict(env_cfg), env_id, who, perception,
                    [(s, None) for s in seeds[i:i + CHUNK]])
            for env_id in env_ids for i in range(0, len(seeds), CHUNK)]
    results = _gather(jobs, workers, progress, f"eval {policy}", run)
    order = {env_id: i for i, env_id in enumerate(env_ids)}
    return sorted(results, key=lambda r: (order[r["env"]], r["seed"]))


def evaluate_given(env_cfg: EnvConfig, specs: list[dict[str, Any]], policy: str,
                   workers: int = 1, progress: bool = True, perception: str | None = None,
                   run: RunConfig | None = None) -> list[dict[str, Any]]:
    """Run given episodes ({"instruction", "goal", "seed"}), results in the given order."""
    jobs: list[EvalJob] = []
    for i in range(0, len(specs), CHUNK):
        chunk = [(int(s.get("seed", i + j)), {"goal": s["goal"], "instruction": s["instruction"],
                                               "index": i + j})
                 for j, s in enumerate(specs[i:i + CHUNK])]
        jobs.append(EvalJob(asdict(env_cfg), env_cfg.id, _decider(policy), perception, chunk))
    results = _gather(jobs, workers, progress, f"eval {policy}", run)
    return sorted(results, key=lambda r: r["index"])


def _decider(policy: str) -> str:
    """What the jobs run: the checkpoint path a policy name means (resolved here, on the
    driver, so that every worker runs this very file), or 'expert' / 'random'."""
    from agent.policies.episode import checkpoint_of

    return checkpoint_of(policy) or policy


def _gather(jobs: list[EvalJob], workers: int, progress: bool, desc: str,
            run: RunConfig | None) -> list[dict[str, Any]]:
    from tqdm import tqdm

    from agent.policies.episode import checkpoint_of

    ckpt = checkpoint_of(jobs[0].policy) if jobs else None

    bar = tqdm(total=sum(len(j.episodes) for j in jobs), desc=desc, unit="ep", file=sys.stderr,
               disable=not progress, mininterval=10)
    try:
        results: list[dict[str, Any]] = []
        for chunk in pool_map(_run_chunk, jobs, workers, run=run, ship=[ckpt] if ckpt else []):
            results.extend(chunk)
            bar.update(len(chunk))
    finally:  # a failed run's error prints below a finished bar, not on it
        bar.close()
    return results


