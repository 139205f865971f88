"""Grids over a home: walls, the robot's configuration space, floor, rooms and the coarse map.

Numpy only, so the robot runtime can use it without PyBullet. Two grids share one frame (the map
frame, origin at (0, 0)): a fine 5 cm grid for planning and dirt, and the coarse 25 cm map the
policy sees and points into. Arrays are indexed [row, col] = [y, x].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from sim.catalog import (
    CLEAN_RADIUS,
    FURNITURE,
    RAISED,
    ROBOT_RADIUS,
    ROOM_TYPES,
    SOLID,
    WALL_THICKNESS,
)
from sim.skills.coverage import dilate

if TYPE_CHECKING:  # a home is built into grids; the home module validates with them
    from sim.home import Furniture, Home, Rect

EXTENT = 12.0  # metres covered by both grids, on each axis
FINE_RES = 0.05
MAP_RES = 0.25
FINE_SIZE = round(EXTENT / FINE_RES)  # 240
MAP_SIZE = round(EXTENT / MAP_RES)  # 48
BLOCK = FINE_SIZE // MAP_SIZE  # fine cells per map cell along an axis
PLAN_MARGIN = 0.03  # clearance the planner keeps beyond the robot's radius
SLIVER_M2 = 0.06  # largest patch of floor the disc may fail to reach (concave corners)


@dataclass(frozen=True)
class GridSpec:
    """A square grid anchored at the map origin."""

    res: float
    size: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.size, self.size)

    def to_cell(self, x: float, y: float) -> tuple[int, int]:
        c = min(max(math.floor(x / self.res), 0), self.size - 1)
        r = min(max(math.floor(y / self.res), 0), self.size - 1)
        return (r, c)

    def to_world(self, r: int, c: int) -> tuple[float, float]:
        return ((c + 0.5) * self.res, (r + 0.5) * self.res)

    def centers(self) -> tuple[np.ndarray, np.ndarray]:
        """X and Y coordinates of cell centres, each shape (size,)."""
        v = (np.arange(self.size) + 0.5) * self.res
        return v, v


FINE = GridSpec(FINE_RES, FINE_SIZE)
MAP = GridSpec(MAP_RES, MAP_SIZE)


def wall_rects(home: Home, thickness: float = WALL_THICKNESS) -> list[Rect]:
    """Wall boxes (footprints) of a home: room edges merged, doorways cut out."""
    h = thickness / 2
    lines: dict[tuple[str, float], list[list[float]]] = {}
    for room in home.rooms:
        x0, y0, x1, y1 = room.rect
        for axis, coord, a, b in (("x", y0, x0, x1), ("x", y1, x0, x1),
                                  ("y", x0, y0, y1), ("y", x1, y0, y1)):
            lines.setdefault((axis, round(coord, 4)), []).append([a, b])
    rects: list[Rect] = []
    for (axis, coord), spans in sorted(lines.items()):
        spans.sort()
        merged = [spans[0][:]]
        for a, b in spans[1:]:
            if a <= merged[-1][1] + 1e-6:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        gaps = sorted(
            (d.center[0] if axis == "x" else d.center[1], d.width)
            for d in home.doors
            if d.axis == axis and abs((d.center[1] if axis == "x" else d.center[0]) - coord) < 1e-3
        )
        for a, b in merged:
            pieces = [[a - h, b + h]]  # extended by h so that corners close
            for c, w in gaps:
                nxt = []
                for p0, p1 in pieces:
                    g0, g1 = c - w / 2, c + w / 2
                    if g1 <= p0 or g0 >= p1:
                        nxt.append([p0, p1])
                        continue
                    if g0 > p0:
                        nxt.append([p0, g0])
                    if g1 < p1:
                        nxt.append([g1, p1])
                pieces = nxt
            for p0, p1 in pieces:
                if p1 - p0 < 1e-3:
                    continue
                if axis == "x":
                    rects.append((p0, coord - h, p1, coord + h))
                else:
                    rects.append((coord - h, p0, coord + h, p1))
    return rects


def obstacle_rects(home: Home) -> list[Rect]:
    """What the robot collides with at its height: walls, solid furniture and legs."""
    rects = wall_rects(home)
    for f in home.furniture:
        kind = FURNITURE[f.type].kind
        if kind == SOLID:
            rects.append(f.footprint)
        elif kind == RAISED:
            rects.extend(f.leg_rects())
    return rects


def distance_field(spec: GridSpec, rects: list[Rect], cap: float = 0.6) -> np.ndarray:
    """Distance (m) from each cell centre to the nearest rect, capped at `cap`; 0 inside."""
    out = np.full(spec.shape, cap, dtype=np.float32)
    xs, ys = spec.centers()
    for x0, y0, x1, y1 in rects:
        c0 = max(int((x0 - cap) / spec.res), 0)
        c1 = min(int((x1 + cap) / spec.res) + 1, spec.size)
        r0 = max(int((y0 - cap) / spec.res), 0)
        r1 = min(int((y1 + cap) / spec.res) + 1, spec.size)
        if c0 >= c1 or r0 >= r1:
            continue
        dx = np.maximum(np.maximum(x0 - xs[c0:c1], 0.0), xs[c0:c1] - x1)
        dy = np.maximum(np.maximum(y0 - ys[r0:r1], 0.0), ys[r0:r1] - y1)
        d = np.sqrt(dy[:, None] ** 2 + dx[None, :] ** 2)
        np.minimum(out[r0:r1, c0:c1], d, out=out[r0:r1, c0:c1])
    return out


def rect_mask(spec: GridSpec, rect: Rect) -> np.ndarray:
    """Cells whose centres lie inside `rect`."""
    xs, ys = spec.centers()
    x0, y0, x1, y1 = rect
    return ((ys >= y0) & (ys < y1))[:, None] & ((xs >= x0) & (xs < x1))[None, :]


def flood(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Cells of `mask` 4-connected to `seeds` (iterated dilation: vectorised, no recursion).

    4-connected because the planner never cuts a corner: a diagonal step needs both orthogonal
    neighbours free, so this is exactly the set A* can reach."""
    reached = seeds & mask
    while True:
        grown = reached.copy()
        grown[1:, :] |= reached[:-1, :]
        grown[:-1, :] |= reached[1:, :]
        grown[:, 1:] |= reached[:, :-1]
        grown[:, :-1] |= reached[:, 1:]
        grown &= mask
        if np.array_equal(grown, reached):
            return reached
        reached = grown


def largest_component(mask: np.ndarray) -> np.ndarray:
    remaining = mask.copy()
    best = np.zeros_like(mask)
    while remaining.any():
        seed = np.zeros_like(mask)
        seed[np.unravel_index(np.argmax(remaining), mask.shape)] = True
        comp = flood(remaining, seed)
        if comp.sum() > best.sum():
            best = comp
        remaining &= ~comp
        if best.sum() >= remaining.sum():
            break
    return best


def block_mean(fine: np.ndarray) -> np.ndarray:
    """Average a fine grid over map cells (BLOCK x BLOCK fine cells each)."""
    return fine.reshape(MAP_SIZE, BLOCK, MAP_SIZE, BLOCK).mean(axis=(1, 3)).astype(np.float32)


class GridLayers:
    """What every static grid offers on top of its `floor` (bool), `room_label` (int8: 0 outside,
    else 1 + room type index) and `reachable` (bool) fine layers: the simulated home's
    (HomeGrid) and a robot's own (agent.runtime.robot.RobotGrid)."""

    floor: np.ndarray
    room_label: np.ndarray
    reachable: np.ndarray

    @cached_property
    def map_occupancy(self) -> np.ndarray:
        """Fraction of each map cell that is not floor (walls, solid furniture, legs, outside)."""
        return 1.0 - block_mean(self.floor.astype(np.float32))

    @cached_property
    def map_rooms(self) -> np.ndarray:
        """One channel per room type: the fraction of each map cell inside that room."""
        return np.stack([block_mean((self.room_label == i + 1).astype(np.float32))
                         for i in range(len(ROOM_TYPES))])

    def nearest_reachable(self, x: float, y: float) -> tuple[int, int]:
        """The reachable fine cell nearest to (x, y)."""
        r, c = FINE.to_cell(x, y)
        if self.reachable[r, c]:
            return (r, c)
        for rad in (5, 10, 20, 40, FINE_SIZE):
            r0, r1 = max(r - rad, 0), min(r + rad + 1, FINE_SIZE)
            c0, c1 = max(c - rad, 0), min(c + rad + 1, FINE_SIZE)
            sub = self.reachable[r0:r1, c0:c1]
            if sub.any():
                rr, cc = np.nonzero(sub)
                d = (rr + r0 - r) ** 2 + (cc + c0 - c) ** 2
                i = int(np.argmin(d))
                return (int(rr[i] + r0), int(cc[i] + c0))
        raise ValueError("this home has no reachable floor")


class HomeGrid(GridLayers):
    """The static grids of one home, computed once per home (tens of milliseconds)."""

    def __init__(self, home: Home, margin: float = PLAN_MARGIN):
        self.home = home
        self.walls = wall_rects(home)
        self.obstacles = obstacle_rects(home)
        self.room_label = np.zeros(FINE.shape, dtype=np.int8)  # 0 outside, else 1 + type index
        for room in home.rooms:
            self.room_label[rect_mask(FINE, room.rect)] = ROOM_TYPES.index(room.name) + 1
        self.dist = distance_field(FINE, self.obstacles)
        inside = self.room_label > 0
        self.floor = inside & (self.dist > 0)
        self.free = inside & (self.dist >= ROBOT_RADIUS + margin)
        self.reachable = largest_component(self.free)
        self.coverable = dilate(self.reachable, CLEAN_RADIUS / FINE_RES) & self.floor

    def footprint_mask(self, f: Furniture) -> np.ndarray:
        return rect_mask(FINE, f.footprint)

    def room_mask(self, name: str) -> np.ndarray:
        return self.room_label == ROOM_TYPES.index(name) + 1
