"""Evaluation over generated episodes, per task family, in parallel worker processes."""

from __future__ import annotations

import multiprocessing as mp
import sys
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from sim.config import EnvConfig

FAMILY_IDS = {
    "goto_object": "Roomby/GoToObject-v0",
    "goto_room": "Roomby/GoToRoom-v0",
    "vacuum_under": "Roomby/VacuumUnder-v0",
    "vacuum_room": "Roomby/VacuumRoom-v0",
    "sequence": "Roomby/Sequence-v0",
}
CHUNK = 5  # episodes per work item: small enough to balance, large enough to amortise set-up


def _run_chunk(job: tuple[dict, str, str, list[int]]) -> list[dict[str, Any]]:
    from agent.episode import make_policy, run_episode

    env_cfg, env_id, policy_name, seeds = job
    cfg = EnvConfig(**{**env_cfg, "id": env_id})
    env = cfg.make()
    try:
        out = []
        for seed in seeds:
            try:
                r = run_episode(env, make_policy(policy_name, env, seed), seed)
            except Exception as e:  # say which episode, so it can be reproduced
                raise RuntimeError(f"{env_id} seed {seed} ({env_cfg['split']}): "
                                   f"{type(e).__name__}: {e}") from e
            r["env"] = env_id
            out.append(r)
        return out
    finally:
        env.close()


def evaluate(env_cfg: EnvConfig, env_ids: list[str], episodes: int, policy: str,
             first_seed: int = 0, workers: int = 1, progress: bool = True
             ) -> list[dict[str, Any]]:
    """Run `episodes` seeded episodes of each id; results sorted by (id order, seed)."""
    from tqdm import tqdm

    jobs = []
    for env_id in env_ids:
        seeds = list(range(first_seed, first_seed + episodes))
        for i in range(0, len(seeds), CHUNK):
            jobs.append((asdict(env_cfg), env_id, policy, seeds[i:i + CHUNK]))
    bar = tqdm(total=len(env_ids) * episodes, desc=f"eval {policy}", unit="ep",
               file=sys.stderr, disable=not progress or None)
    results: list[dict[str, Any]] = []
    for chunk in _map(jobs, workers):
        results.extend(chunk)
        bar.update(len(chunk))
    bar.close()
    order = {env_id: i for i, env_id in enumerate(env_ids)}
    return sorted(results, key=lambda r: (order[r["env"]], r["seed"]))


def _map(jobs: list, workers: int) -> Iterator[list[dict[str, Any]]]:
    if workers <= 1:
        yield from map(_run_chunk, jobs)
        return
    # spawn: each worker builds its own PyBullet clients; nothing is shared by fork.
    with mp.get_context("spawn").Pool(workers) as pool:
        yield from pool.imap_unordered(_run_chunk, jobs)
