"""`pool_map`: the one seam every episode-parallel job goes through, and its local backend."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from agent.workers.config import RunConfig
from agent.workers.shared import PoolStats

J = TypeVar("J")
R = TypeVar("R")


def pool_map(fn: Callable[[J], R], jobs: list[J], workers: int, ordered: bool = False,
             run: RunConfig | None = None, ship: Sequence[str | Path] = (),
             stats: PoolStats | None = None) -> Iterator[R]:
    """fn over jobs, results as they finish (`ordered`: in the jobs' order). `fn` must be a
    module-level function (it is pickled by name) that takes a job (a dataclass) and returns
    what the driver needs: workers elsewhere share no disk with it.

    `run.backend` 'local': in this process with one worker (or one job), else in `workers`
    spawned processes. 'ray': Ray tasks (`agent.workers.ray_cluster`). `ship`: files the jobs
    name (checkpoints) that a worker on another machine needs; Ray sends each once through its
    object store, and the job function opens them through `shipped(path)`.
    """
    run = run or RunConfig()
    if run.uses_ray:
        from agent.workers.ray_cluster import ray_map

        yield from ray_map(fn, jobs, workers, ordered, run, ship, stats or PoolStats())
        return
    if run.backend != "local":
        raise ValueError(f"run.backend must be local or ray, got {run.backend!r}")
    if workers <= 1 or len(jobs) <= 1:
        yield from map(fn, jobs)
        return
    # spawn: each worker builds its own PyBullet clients; nothing is shared by fork.
    with mp.get_context("spawn").Pool(workers) as pool:
        results: Iterable[R] = pool.imap(fn, jobs) if ordered else pool.imap_unordered(fn, jobs)
        yield from results
