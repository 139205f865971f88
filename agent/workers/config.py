"""The `run:` config section: where episode-parallel jobs run (`--backend`, `--ray-address`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from sim.bounds import Range


@dataclass
class RunConfig:
    backend: Literal["local", "ray"] = "local"
    """`local`: `--workers` spawned processes on this machine. `ray`: Ray tasks, on the cluster at
    `ray_address`, or on a Ray instance started here with `--workers` CPUs when that is empty."""
    ray_address: str = ""
    """An existing Ray cluster: `auto` (the one `ray start` runs on this machine), `HOST:PORT` of
    its head node, or `ray://HOST:10001` (Ray Client); set, it implies backend ray. Empty: with
    backend ray, start a Ray instance here."""
    max_retries: Annotated[int, Range(ge=0, le=100)] = 3
    """With Ray: how often a job whose worker was lost (killed process, lost node) runs again
    before the run fails. A job that raises is never retried: it would fail the same way."""

    @property
    def uses_ray(self) -> bool:
        """backend ray, or an address (which means a cluster to use)."""
        return self.backend == "ray" or bool(self.ray_address)
