"""goto_object: drive to a named piece of furniture and stop next to (or under) it."""

from __future__ import annotations

import numpy as np

from sim.catalog import FURNITURE_TYPES
from sim.grid import FINE_RES, HomeGrid
from sim.home import Home
from sim.skills.coverage import dilate
from sim.tasks.base import GOTO_RADIUS
from sim.tasks.object_task import ObjectTask


def footprint_distance(fp: tuple[float, float, float, float], xy: tuple[float, float]) -> float:
    dx = max(fp[0] - xy[0], 0.0, xy[0] - fp[2])
    dy = max(fp[1] - xy[1], 0.0, xy[1] - fp[3])
    return float(np.hypot(dx, dy))


class GoToObject(ObjectTask):
    """Success: the robot stops within 0.5 m of a target's footprint, and no other piece of the
    same type (a distractor) is nearer."""

    family = "goto_object"
    target_types = FURNITURE_TYPES

    def achieved(self, home: Home, grid: HomeGrid, goal: dict, xy, cleaned) -> bool:
        targets = self.targets(home, goal)
        if not targets:
            return False
        d_target = min(footprint_distance(f.footprint, xy) for f in targets)
        others = [f for f in home.find(type=goal["object"]) if f not in targets]
        d_other = min((footprint_distance(f.footprint, xy) for f in others), default=np.inf)
        return d_target <= GOTO_RADIUS and d_target <= d_other

    def approach_region(self, home: Home, grid: HomeGrid, goal: dict) -> np.ndarray:
        return dilate(self.region(home, grid, goal), GOTO_RADIUS / FINE_RES) & grid.reachable
