"""vacuum_under: clean the floor under a named raised piece of furniture, then stop."""

from __future__ import annotations

from sim.catalog import RAISED_TYPES
from sim.grid import HomeGrid
from sim.home import Home
from sim.tasks.base import CLEAN_FRACTION
from sim.tasks.object_task import ObjectTask


class VacuumUnder(ObjectTask):
    """Success: >= 80 % of the reachable floor under a target's footprint is clean at stop."""

    family = "vacuum_under"
    target_types = RAISED_TYPES

    def achieved(self, home: Home, grid: HomeGrid, goal: dict, xy, cleaned) -> bool:
        return any(
            self.region_coverage(grid, grid.footprint_mask(f), cleaned) >= CLEAN_FRACTION
            for f in self.targets(home, goal)
        )
