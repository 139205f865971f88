"""Timing shared by the speed benchmarks: medians of calls interleaved across functions."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Hashable


def interleaved(fns: dict[Hashable, Callable[[], object]], repeats: int, warmup: int = 30
                ) -> dict[Hashable, float]:
    """Median ms of each function, calls alternating so that load changes hit all alike (timed
    one after another, the first function measured pays for the machine warming up)."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[Hashable, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: 1000 * statistics.median(v) for k, v in times.items()}
