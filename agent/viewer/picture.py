"""A top-down picture of what the robot knows: its occupancy map, the floor its disc covered,
the semantic layer its camera wrote, where its pointer attends, the decision's target, the
running skill's plan, its track and pose. Drawn from topics alone (no home model), so a
simulated run and a real robot's recording look the same."""

from __future__ import annotations

import numpy as np

from sim.catalog import FLOOR_COLOR
from sim.grid import EXTENT, FINE_RES
from sim.render import (
    BACKGROUND,
    CLEANED_ALPHA,
    CLEANED_COLOR,
    TARGET_COLOR,
    TARGET_RIM,
    TRAIL_COLOR,
    _blend_box,
    _col,
    _draw_attention,
    _draw_robot,
    _draw_segments,
    _draw_semantic,
    _Frame,
    _outline,
    _to_uint8,
)

PLAN_COLOR = (0.95, 0.35, 0.95)
TARGET_HALF = 0.15  # m: half the side of the target's square


def map_bounds(floor: np.ndarray | None) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the floor cells, the whole map where there are none."""
    if floor is None or not floor.any():
        return (0.0, 0.0, EXTENT, EXTENT)
    rows, cols = np.nonzero(floor)
    return (cols.min() * FINE_RES, rows.min() * FINE_RES, (cols.max() + 1) * FINE_RES,
            (rows.max() + 1) * FINE_RES)


def draw_known_map(floor: np.ndarray | None, pose: tuple[float, float, float] | None = None,
                   cleaned: np.ndarray | None = None, semantic: np.ndarray | None = None,
                   attention: np.ndarray | None = None, trail: np.ndarray | None = None,
                   plan: np.ndarray | None = None, target: tuple[float, float] | None = None,
                   px_per_m: int = 40) -> np.ndarray:
    """uint8 [H, W, 3], north up, over the floor's bounds plus a margin. `floor` and `cleaned`:
    bool [240, 240] fine grids; `semantic` [18, 48, 48] and `attention` [48, 48] map grids;
    `trail` and `plan` [N, 2] metres."""
    frame = _Frame(map_bounds(floor), px_per_m)
    img = np.empty((3, frame.height, frame.width), dtype=np.float32)
    img[...] = _col(BACKGROUND)
    full = (0, frame.height, 0, frame.width)
    if floor is not None:
        _blend_box(img, full, frame.gather(floor.astype(np.float32), FINE_RES, 0.0),
                   FLOOR_COLOR)
        if cleaned is not None:
            alpha = np.where(cleaned & floor, np.float32(CLEANED_ALPHA), np.float32(0))
            _blend_box(img, full, frame.gather(alpha, FINE_RES, 0.0), CLEANED_COLOR)
    if semantic is not None:
        _draw_semantic(img, frame, np.asarray(semantic, dtype=np.float32))
    if attention is not None:
        _draw_attention(img, frame, attention)
    width = max(1, round(frame.ppm / 25))
    if plan is not None and len(plan) > 1:
        _draw_segments(img, frame, np.asarray(plan, dtype=np.float64), PLAN_COLOR, width)
    if trail is not None and len(trail) > 1:
        _draw_segments(img, frame, np.asarray(trail, dtype=np.float64), TRAIL_COLOR, width)
    if target is not None:
        x, y = target
        c0, r0 = frame.to_pixel(x - TARGET_HALF, y + TARGET_HALF)
        c1, r1 = frame.to_pixel(x + TARGET_HALF, y - TARGET_HALF)
        thick = max(2, round(0.06 * frame.ppm))
        _outline(img, (r0, r1, c0, c1), TARGET_COLOR, thick, True)
        _outline(img, (r0 - thick, r1 + thick, c0 - thick, c1 + thick), TARGET_RIM, 1, True)
    if pose is not None:
        _draw_robot(img, frame, pose)
    return _to_uint8(img)

