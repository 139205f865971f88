"""Jobs over worker processes that each run their own simulator: collection, evaluation and
perception calibration share this."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")


def pool_map(fn: Callable[[J], R], jobs: list[J], workers: int, ordered: bool = False
             ) -> Iterator[R]:
    """fn over jobs: in this process with one worker (or one job), else in `workers` spawned
    processes, results as they finish (`ordered`: in the jobs' order). `fn` must be a
    module-level function (it is pickled by name)."""
    if workers <= 1 or len(jobs) <= 1:
        yield from map(fn, jobs)
        return
    # spawn: each worker builds its own PyBullet clients; nothing is shared by fork.
    with mp.get_context("spawn").Pool(workers) as pool:
        results: Iterable[R] = pool.imap(fn, jobs) if ordered else pool.imap_unordered(fn, jobs)
        yield from results
