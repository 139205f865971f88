from __future__ import annotations

import math
import os

from agent.workers import pool_map


def test_one_worker_or_no_jobs_run_here_in_order() -> None:
    assert list(pool_map(math.sqrt, [], 2)) == []
    assert list(pool_map(math.sqrt, [9.0, 4.0, 1.0], 1)) == [3.0, 2.0, 1.0]


def test_workers_run_elsewhere_and_ordered_keeps_the_jobs_order() -> None:
    jobs = [float(i * i) for i in range(12)]
    assert list(pool_map(math.sqrt, jobs, 2, ordered=True)) == [float(i) for i in range(12)]
    assert sorted(pool_map(math.sqrt, jobs, 2)) == [float(i) for i in range(12)]
    pids = set(pool_map(_pid, list(range(8)), 2))
    assert os.getpid() not in pids


def _pid(_: int) -> int:
    return os.getpid()
