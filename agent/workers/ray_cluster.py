"""The Ray backend of `pool_map`: each job a Ray task, on a cluster or on a Ray instance started
here.

Results come back through Ray (the driver writes what must be written), and the files the jobs
name travel through the object store, put once. Retries are the driver's own rather than Ray's
`max_retries`, so that it can count them: a job whose worker was lost (a killed process, a lost
node: any Ray system error) is submitted again up to `run.max_retries` times; a job that raised
is not retried (it would raise again) and its error, which names the episode, ends the run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from agent.workers.config import RunConfig
from agent.workers.shared import PoolStats, register_shipped

J = TypeVar("J")
R = TypeVar("R")


def ray_map(fn: Callable[[J], R], jobs: list[J], workers: int, ordered: bool, run: RunConfig,
            ship: Sequence[str | Path], stats: PoolStats) -> Iterator[R]:
    """`pool_map` on Ray; a Ray connection already made in this process is used as it is."""
    if not jobs:
        return
    try:
        import ray
    except ImportError as e:
        raise RuntimeError('run.backend ray needs Ray: pip install "roomby[cluster]"') from e
    if run.max_retries < 0:
        raise ValueError(f"run.max_retries must be 0 or more, got {run.max_retries}")
    for p in ship:  # before Ray starts: a wrong path is a user's typo, said at once
        if not Path(p).is_file():
            raise FileNotFoundError(f"{p}: no such file (the jobs need it)")
    started = _connect(ray, run, workers, stats)
    try:
        yield from _run(ray, fn, jobs, ordered, run, ship, stats)
    finally:
        if stats.retried:
            print(f"{stats.retried} job(s) retried after their worker was lost", file=sys.stderr)
        if started:
            ray.shutdown()


def _connect(ray: Any, run: RunConfig, workers: int, stats: PoolStats) -> bool:
    """Connect to `run.ray_address`, or start a Ray instance here; -> whether we started it."""
    if ray.is_initialized():
        return False
    # Worker output stays on the workers (it would break the progress bar): a job's error comes
    # back as its exception.
    if run.ray_address:
        _reachable(run.ray_address)
        try:
            ctx = ray.init(address=run.ray_address, logging_level=logging.WARNING,
                           log_to_driver=False)
        except ConnectionError as e:
            raise ConnectionError(f"run.ray_address {run.ray_address!r}: {e}") from None
    else:  # "local": a new instance even where `ray start` runs one (that one is ray_address auto)
        ctx = ray.init(address="local", num_cpus=max(workers, 1), include_dashboard=False,
                       logging_level=logging.WARNING, log_to_driver=False)
    stats.dashboard = getattr(ctx, "dashboard_url", "") or ""
    if stats.dashboard:
        print(f"Ray dashboard: http://{stats.dashboard}", file=sys.stderr)
    return True


def _reachable(address: str, timeout: float = 5.0) -> None:
    """A HOST:PORT (or ray://HOST:PORT) that nothing answers at fails here, in seconds: Ray
    itself waits minutes for it."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto", or a form Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as e:
        raise ConnectionError(f"run.ray_address {address!r}: no Ray cluster answers there "
                              f"({e.strerror or e}); start one with `ray start --head`") from None


def _run(ray: Any, fn: Callable[[J], R], jobs: list[J], ordered: bool, run: RunConfig,
         ship: Sequence[str | Path], stats: PoolStats) -> Iterator[R]:
    files, blobs = [], []  # (the path the jobs name, its node copy's name), its bytes
    for p in ship:
        data = Path(p).read_bytes()  # named by content: hashed once here, not by every job
        files.append((str(p), f"{hashlib.sha256(data).hexdigest()[:20]}{Path(p).suffix}"))
        blobs.append(ray.put(data))
    task = ray.remote(num_cpus=1, max_retries=0)(_call_job)
    pending: dict[Any, tuple[int, int]] = {}  # task -> (job index, attempt)

    def submit(i: int, attempt: int) -> None:
        pending[task.remote(fn, jobs[i], files, *blobs)] = (i, attempt)

    for i in range(len(jobs)):
        submit(i, 0)
    finished: dict[int, R] = {}
    retried: set[int] = set()
    next_out = 0
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            i, attempt = pending.pop(ready[0])
            try:
                result = ray.get(ready[0])
            except ray.exceptions.RayTaskError as e:  # the job itself raised: say so, once
                cause = getattr(e, "cause", None)  # chained to e: the worker's traceback
                raise (cause if isinstance(cause, Exception) else RuntimeError(str(e))) from e
            except ray.exceptions.RayError as e:  # its worker was lost
                if attempt >= run.max_retries:
                    raise RuntimeError(f"job {i + 1} of {len(jobs)} lost its worker "
                                       f"{attempt + 1} times (run.max_retries is "
                                       f"{run.max_retries}): {type(e).__name__}") from e
                retried.add(i)
                stats.retried = len(retried)
                submit(i, attempt + 1)
                continue
            if not ordered:
                yield result
                continue
            finished[i] = result
            while next_out in finished:
                yield finished.pop(next_out)
                next_out += 1
    finally:
        for ref in pending:  # a failed or abandoned run leaves nothing running on the cluster
            ray.cancel(ref, force=True)


def _call_job(fn: Callable[[Any], Any], job: Any, files: list[tuple[str, str]],
              *blobs: bytes) -> Any:
    """Runs on a worker: the shipped files written to this node's cache (`shipped` finds
    them), then `fn(job)`. Ray hands top-level object-store arguments over as their values."""
    register_shipped({path: str(_cached(name, b))
                      for (path, name), b in zip(files, blobs, strict=True)})
    return fn(job)


def _cached(name: str, data: bytes) -> Path:
    """A node-local copy of a shipped file under its content name (written once per node)."""
    path = Path(tempfile.gettempdir()) / "roomby-shipped" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # whole or not at all, even with two workers of a node at it
    return path

