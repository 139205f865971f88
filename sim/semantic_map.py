"""The map the robot observes: what it was given (occupancy, rooms), what it did (cleaned,
visited) and what its camera has seen where (the semantic layer).

Channels of the `map` observation (float32, 0..1, shape [29, 48, 48], 25 cm cells) and the source
each stands for on a real robot:

| channels | name | real robot |
| --- | --- | --- |
| 0 | occupancy | its SLAM occupancy grid (fraction of the cell that is not floor) |
| 1-6 | room: one per room type | its app's labelled room map (a file on the robot) |
| 7 | cleaned | its own track: floor its footprint covered this episode |
| 8 | visited | its own track: cells its centre passed through |
| 9 | seen | cells its depth camera has observed (any pixel landed there) |
| 10 | robot | its localisation: the cell it is in |
| 11-20 | object type evidence, one per type | learned perception projected through depth |
| 21-28 | colour evidence, one per colour | learned perception projected through depth |

Evidence is 1 - exp(-hits / 3) for the number of pixels of that class that landed in the cell.
In simulation the per-pixel classes come from the ground-truth segmentation ("oracle") or from a
learned perception function passed to the env.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.camera import CameraSpec
from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, ROBOT_RADIUS, ROOM_TYPES
from sim.grid import FINE_RES, MAP, MAP_RES, MAP_SIZE, HomeGrid, block_mean
from sim.skills.coverage import disc_offsets

N_TYPES = len(FURNITURE_TYPES)
N_COLORS = len(COLOR_NAMES)
MAP_CHANNELS: tuple[str, ...] = (
    "occupancy",
    *(f"room:{r}" for r in ROOM_TYPES),
    "cleaned",
    "visited",
    "seen",
    "robot",
    *(f"type:{t}" for t in FURNITURE_TYPES),
    *(f"color:{c}" for c in COLOR_NAMES),
)
SEMANTIC_START = MAP_CHANNELS.index(f"type:{FURNITURE_TYPES[0]}")
EVIDENCE_SCALE = 3.0

# (rgb HxWx3 uint8, depth HxW metres) -> (type HxW, colour HxW): index + 1 per pixel, 0 = none.
Perception = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class SemanticMap:
    """Per-episode map state, updated from the robot's pose and camera."""

    def __init__(self, grid: HomeGrid, camera: CameraSpec):
        self.grid = grid
        self.camera = camera
        n = MAP_SIZE * MAP_SIZE
        self.type_hits = np.zeros((N_TYPES + 1, n), dtype=np.float32)
        self.color_hits = np.zeros((N_COLORS + 1, n), dtype=np.float32)
        self.seen = np.zeros(n, dtype=bool)
        self.visited = np.zeros(n, dtype=bool)
        self._robot_cells = disc_offsets(ROBOT_RADIUS / MAP_RES)
        self._static = np.concatenate([grid.map_occupancy[None], grid.map_rooms])

    def observe(self, types: np.ndarray, colors: np.ndarray, depth: np.ndarray,
                pose: tuple[float, float, float]) -> None:
        """Project one frame's per-pixel classes through depth and pose into the map."""
        pts, idx = self.camera.project(depth, pose)
        col = np.floor(pts[:, 0] / MAP_RES).astype(np.int64)
        row = np.floor(pts[:, 1] / MAP_RES).astype(np.int64)
        ok = (col >= 0) & (col < MAP_SIZE) & (row >= 0) & (row < MAP_SIZE)
        cell = row[ok] * MAP_SIZE + col[ok]
        idx = idx[ok]
        self.seen[cell] = True
        n = MAP_SIZE * MAP_SIZE
        t = types.reshape(-1)[idx].astype(np.int64)
        c = colors.reshape(-1)[idx].astype(np.int64)
        self.type_hits += np.bincount(t * n + cell, minlength=(N_TYPES + 1) * n).reshape(
            N_TYPES + 1, n)
        self.color_hits += np.bincount(c * n + cell, minlength=(N_COLORS + 1) * n).reshape(
            N_COLORS + 1, n)

    def mark_robot(self, x: float, y: float) -> None:
        """The robot's own cell is visited and known; the cells its disc covers are seen."""
        r, c = MAP.to_cell(x, y)
        self.visited[r * MAP_SIZE + c] = True
        rr = np.clip(r + self._robot_cells[:, 0], 0, MAP_SIZE - 1)
        cc = np.clip(c + self._robot_cells[:, 1], 0, MAP_SIZE - 1)
        self.seen[rr * MAP_SIZE + cc] = True
        self.seen[r * MAP_SIZE + c] = True

    def type_evidence(self) -> np.ndarray:
        return (1.0 - np.exp(-self.type_hits[1:] / EVIDENCE_SCALE)).reshape(
            N_TYPES, MAP_SIZE, MAP_SIZE)

    def color_evidence(self) -> np.ndarray:
        return (1.0 - np.exp(-self.color_hits[1:] / EVIDENCE_SCALE)).reshape(
            N_COLORS, MAP_SIZE, MAP_SIZE)

    def semantic(self) -> np.ndarray:
        """[18, 48, 48]: type evidence then colour evidence."""
        return np.concatenate([self.type_evidence(), self.color_evidence()]).astype(np.float32)

    def as_array(self, cleaned_fine: np.ndarray, pose: tuple[float, float, float]) -> np.ndarray:
        s = MAP_SIZE
        robot = np.zeros((1, s, s), dtype=np.float32)
        r, c = MAP.to_cell(pose[0], pose[1])
        robot[0, r, c] = 1.0
        dyn = np.stack([
            block_mean(cleaned_fine.astype(np.float32)),
            self.visited.reshape(s, s).astype(np.float32),
            self.seen.reshape(s, s).astype(np.float32),
        ])
        return np.concatenate([self._static, dyn, robot, self.semantic()]).astype(np.float32)


assert len(MAP_CHANNELS) == 29 and FINE_RES > 0
