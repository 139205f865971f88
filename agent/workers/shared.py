"""What the backends and the jobs share: a run's statistics, and the files shipped to workers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PoolStats:
    """What a `pool_map` run had to do besides the jobs."""

    retried: int = 0
    """Jobs run again (once or more) because their worker was lost (Ray backend)."""
    dashboard: str = ""
    """The Ray dashboard's address, when the cluster has one."""


_SHIPPED: dict[str, str] = {}


def shipped(path: str) -> str:
    """A file a job names (`pool_map`'s `ship`), as this worker can read it: the copy the driver
    shipped through Ray where there is one, else the path itself."""
    return _SHIPPED.get(str(path), str(path))


def register_shipped(copies: dict[str, str]) -> None:
    """Shipped name -> local copy, for `shipped` in this worker process."""
    _SHIPPED.update(copies)
