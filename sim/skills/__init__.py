"""Classical robot skills on occupancy grids: planning, path following, coverage, executors.

Pure numpy (no physics engine): the executors turn a goal into (v, w) velocity commands one
control period at a time, and the caller applies them to whatever robot it drives.
"""

from __future__ import annotations

from sim.skills.astar import astar, nearest_free, path_length, reachable
from sim.skills.coverage import coverage_waypoints, dilate, disc_cover, disc_offsets
from sim.skills.executors import STOP, CleanSkill, GridFrame, NavigateSkill
from sim.skills.pursuit import PurePursuit, wrap_angle

__all__ = [
    "STOP",
    "CleanSkill",
    "GridFrame",
    "NavigateSkill",
    "PurePursuit",
    "astar",
    "coverage_waypoints",
    "dilate",
    "disc_cover",
    "disc_offsets",
    "nearest_free",
    "path_length",
    "reachable",
    "wrap_angle",
]
