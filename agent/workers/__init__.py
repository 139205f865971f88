"""Jobs over worker processes that each run their own simulator: collection, DAgger's learner
episodes, evaluation and perception calibration all go through `pool_map`. Two backends, chosen by
the `run:` config section: `local` (spawned processes on this machine, the default) and `ray` (a
Ray cluster, or a Ray instance started here; `pip install "roomby[cluster]"`)."""

from __future__ import annotations

from agent.workers.config import RunConfig
from agent.workers.pool import pool_map
from agent.workers.shared import PoolStats, shipped

__all__ = ["PoolStats", "RunConfig", "pool_map", "shipped"]
