"""The world frame of a grid, and the velocity-command conventions the skills share.

Commands are (v, w): forward speed in m/s and yaw rate in rad/s, like a ROS Twist, held for one
control period. Stopping needs no skill of its own: publish ``STOP``, zero velocity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.skills.astar import Cell

STOP: tuple[float, float] = (0.0, 0.0)
"""Zero velocity: "stop" is simply publishing this command."""

Pose = tuple[float, float, float]
"""(x, y, theta): metres in the map frame, theta in radians from +x towards +y."""


@dataclass
class GridFrame:
    """Where a grid lies in the world: cell (0, 0)'s lower-left corner, cell size, grid shape."""

    origin: tuple[float, float]
    res: float
    shape: tuple[int, int]

    def to_cell(self, x: float, y: float) -> Cell:
        """The cell containing (x, y), clipped to the grid."""
        r = int(math.floor((y - self.origin[1]) / self.res))
        c = int(math.floor((x - self.origin[0]) / self.res))
        return min(max(r, 0), self.shape[0] - 1), min(max(c, 0), self.shape[1] - 1)

    def to_world(self, r: int, c: int) -> tuple[float, float]:
        """The world (x, y) of a cell's centre."""
        return self.origin[0] + (c + 0.5) * self.res, self.origin[1] + (r + 0.5) * self.res

    def path_to_world(self, cells: list[Cell] | np.ndarray) -> np.ndarray:
        """(N, 2) array of the world (x, y) of the cells' centres."""
        rc = np.asarray(cells, dtype=float).reshape(-1, 2)
        x = self.origin[0] + (rc[:, 1] + 0.5) * self.res
        y = self.origin[1] + (rc[:, 0] + 0.5) * self.res
        return np.stack([x, y], axis=1)

    def contains(self, x: float, y: float) -> bool:
        """Whether (x, y) lies on the grid (``to_cell`` clips points that do not)."""
        r = (y - self.origin[1]) / self.res
        c = (x - self.origin[0]) / self.res
        return 0.0 <= r < self.shape[0] and 0.0 <= c < self.shape[1]


def segment_distance(a: np.ndarray, b: np.ndarray, x: float, y: float) -> float:
    """Distance from (x, y) to the segment a-b."""
    ax, ay, bx, by = float(a[0]), float(a[1]), float(b[0]), float(b[1])
    dx, dy = bx - ax, by - ay
    den = dx * dx + dy * dy
    f = 0.0 if den == 0.0 else min(max(((x - ax) * dx + (y - ay) * dy) / den, 0.0), 1.0)
    return math.hypot(ax + f * dx - x, ay + f * dy - y)
