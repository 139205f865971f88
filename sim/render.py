"""Top-down pictures of an episode: the home, what was cleaned and seen, the map's evidence.

Numpy only (no PIL, no PyBullet), so it runs wherever the grids do. The picture covers the home's
bounds plus a small margin, north up, at `px_per_m` pixels per metre. Layers are drawn with
vectorised rectangle fills and masks gathered from the fine (5 cm) and map (25 cm) grids, so a
six-room home renders in a few milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.catalog import (
    COLOR_NAMES,
    COLORS,
    FLAT,
    FLOOR_COLOR,
    FURNITURE,
    FURNITURE_TYPES,
    RAISED,
    ROBOT_RADIUS,
    WALL_COLOR,
)
from sim.grid import FINE_RES, FINE_SIZE, MAP_RES, MAP_SIZE, HomeGrid, wall_rects
from sim.home import Furniture, Home, Rect

MARGIN = 0.3  # metres drawn around the home's bounds
N_SEMANTIC = len(FURNITURE_TYPES) + len(COLOR_NAMES)  # channels of the semantic evidence map
SEMANTIC_THRESHOLD = 0.3  # type evidence above which a map cell gets a dot

RGB = tuple[float, float, float]
BACKGROUND: RGB = (0.09, 0.10, 0.12)
ROOM_TINTS: dict[str, RGB] = {
    "living_room": (1.00, 0.80, 0.55),
    "kitchen": (0.95, 0.95, 0.70),
    "bedroom": (0.75, 0.65, 0.95),
    "bathroom": (0.55, 0.85, 1.00),
    "office": (0.70, 0.90, 0.65),
    "hallway": (0.80, 0.80, 0.80),
}
ROOM_TINT_WEIGHT = 0.22
CLEANED_COLOR: RGB = (0.62, 0.95, 0.62)
CLEANED_ALPHA = 0.45
UNSEEN_FLOOR = 0.35  # brightness factor of a map cell never seen (1 where fully seen)
RAISED_FILL_ALPHA = 0.35
RUG_LIGHTEN = 0.40  # fraction of white mixed into a rug's colour
LEG_COLOR: RGB = (0.10, 0.09, 0.08)
ATTENTION_COLOR: RGB = (1.0, 0.08, 0.05)
ATTENTION_ALPHA = 0.7
TARGET_COLOR: RGB = (1.0, 0.92, 0.0)
TARGET_RIM: RGB = (0.0, 0.0, 0.0)  # a thin dark line around the yellow, for contrast
TRAIL_COLOR: RGB = (0.25, 0.75, 1.0)
ROBOT_COLOR: RGB = (0.07, 0.07, 0.08)
ROBOT_RIM: RGB = (0.45, 0.45, 0.48)
HEADING_COLOR: RGB = (1.0, 1.0, 1.0)
DOT_NO_COLOR: RGB = (0.85, 0.85, 0.85)  # dot colour where no colour evidence stands out

_COLOR_TABLE = np.array([COLORS[c] for c in COLOR_NAMES], dtype=np.float32)

Box = tuple[int, int, int, int]  # row0, row1, col0, col1: a pixel slice


def _col(color: Sequence[float] | np.ndarray) -> np.ndarray:
    """A colour as a float32 column [3, 1, 1] that broadcasts over planar image blocks."""
    return np.asarray(color, dtype=np.float32).reshape(3, 1, 1)


class _Frame:
    """The pixel frame of one picture: its size, where pixels lie in the world, grid lookups."""

    def __init__(self, bounds: tuple[float, float, float, float], px_per_m: int):
        if px_per_m <= 0:
            raise ValueError(f"px_per_m must be positive, got {px_per_m}")
        x0, y0, x1, y1 = bounds
        self.ppm = float(px_per_m)
        self.left = x0 - MARGIN
        self.top = y1 + MARGIN
        self.width = max(1, math.ceil((x1 - x0 + 2 * MARGIN) * self.ppm - 1e-6))
        self.height = max(1, math.ceil((y1 - y0 + 2 * MARGIN) * self.ppm - 1e-6))
        # World coordinates of pixel centres.
        self.xs = self.left + (np.arange(self.width, dtype=np.float64) + 0.5) / self.ppm
        self.ys = self.top - (np.arange(self.height, dtype=np.float64) + 0.5) / self.ppm

    def cells(self, res: float, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Grid row per pixel row and grid column per pixel column; `size` where off the grid."""
        rows = np.floor(self.ys / res).astype(np.int64)
        cols = np.floor(self.xs / res).astype(np.int64)
        rows[(rows < 0) | (rows >= size)] = size
        cols[(cols < 0) | (cols >= size)] = size
        return rows, cols

    def gather(self, arr: np.ndarray, res: float, fill: float = 0, box: Box | None = None
               ) -> np.ndarray:
        """Per-pixel values [H, W] (or the `box` part) of a square grid `arr`; `fill` off it."""
        size = arr.shape[0]
        rows, cols = self.cells(res, size)
        if box is not None:
            rows, cols = rows[box[0]:box[1]], cols[box[2]:box[3]]
        padded = np.pad(arr, ((0, 1), (0, 1)), constant_values=fill)
        # Columns first: taking whole rows of the wide result last is the fast order.
        return padded.take(cols, axis=1).take(rows, axis=0)

    def grid_box(self, active: np.ndarray, res: float) -> Box | None:
        """The pixel box covering the grid cells set in `active` [size, size], if any show."""
        size = active.shape[0]
        rows, cols = self.cells(res, size)
        r_on = np.append(active.any(axis=1), False)[rows]
        c_on = np.append(active.any(axis=0), False)[cols]
        rr, cc = np.flatnonzero(r_on), np.flatnonzero(c_on)
        if len(rr) == 0 or len(cc) == 0:
            return None
        return (int(rr[0]), int(rr[-1]) + 1, int(cc[0]), int(cc[-1]) + 1)

    def to_pixel(self, x: float, y: float) -> tuple[int, int]:
        return (math.floor((x - self.left) * self.ppm), math.floor((self.top - y) * self.ppm))

    def rect(self, r: Rect, min_px: int = 0, clip: bool = True) -> Box:
        """Pixel slice bounds (row0, row1, col0, col1) of a world rect, clipped to the picture
        unless `clip` is False.

        Edges are rounded to the nearest pixel boundary; `min_px` keeps small rects visible.
        """
        x0, y0, x1, y1 = r
        c0 = round((x0 - self.left) * self.ppm)
        c1 = round((x1 - self.left) * self.ppm)
        r0 = round((self.top - y1) * self.ppm)
        r1 = round((self.top - y0) * self.ppm)
        if c1 - c0 < min_px:
            c1 = c0 + min_px
        if r1 - r0 < min_px:
            r1 = r0 + min_px
        if not clip:
            return (r0, r1, c0, c1)
        return (max(r0, 0), min(r1, self.height), max(c0, 0), min(c1, self.width))


def world_to_pixel(home: Home, x: float, y: float, px_per_m: int = 40) -> tuple[int, int]:
    """Pixel (column, row) of world point (x, y) in `draw_topdown(home, ..., px_per_m)`'s picture.

    Index the picture as ``img[row, col]``; the point may lie outside the picture (no clipping).
    """
    return _Frame(home.bounds(), px_per_m).to_pixel(x, y)


# Drawing primitives work on a planar float32 image [3, H, W] in 0..1: per-pixel weights
# [H, W] then broadcast over the leading channel axis, which keeps numpy's inner loops long.


def _fill(img: np.ndarray, box: Box, color: Sequence[float] | np.ndarray,
          alpha: float = 1.0) -> None:
    r0, r1, c0, c1 = box
    if r0 >= r1 or c0 >= c1:
        return
    sub = img[:, r0:r1, c0:c1]
    if alpha >= 1.0:
        sub[...] = _col(color)
    else:
        sub += alpha * (_col(color) - sub)


def _blend_box(img: np.ndarray, box: Box, alpha: np.ndarray,
               color: Sequence[float]) -> None:
    """In place over `box`: ``img = img + alpha * (color - img)`` with per-pixel `alpha`."""
    r0, r1, c0, c1 = box
    sub = img[:, r0:r1, c0:c1]
    sub += alpha * (_col(color) - sub)


def _outline(img: np.ndarray, box: Box, color: Sequence[float], t: int,
             outward: bool = False) -> None:
    """A rectangle outline `t` pixels thick, inside `box` (or just outside it when `outward`)."""
    r0, r1, c0, c1 = box
    if outward:
        r0, r1, c0, c1 = r0 - t, r1 + t, c0 - t, c1 + t
    h, w = img.shape[1:]
    col = _col(color)
    for a0, a1, b0, b1 in ((r0, r0 + t, c0, c1), (r1 - t, r1, c0, c1),
                           (r0, r1, c0, c0 + t), (r0, r1, c1 - t, c1)):
        a0, a1, b0, b1 = max(a0, 0), min(a1, h), max(b0, 0), min(b1, w)
        if a0 < a1 and b0 < b1:
            img[:, a0:a1, b0:b1] = col


def _plot(img: np.ndarray, us: np.ndarray, vs: np.ndarray, color: Sequence[float],
          width: int) -> None:
    """Set the pixels under points (us = column, vs = row, in pixels), `width` pixels wide."""
    h, w = img.shape[1:]
    cols = np.floor(us).astype(np.int64)
    rows = np.floor(vs).astype(np.int64)
    col = np.asarray(color, dtype=np.float32)[:, None]
    lo = -(width // 2)
    for dr in range(lo, lo + width):
        for dc in range(lo, lo + width):
            r, c = rows + dr, cols + dc
            ok = (r >= 0) & (r < h) & (c >= 0) & (c < w)
            img[:, r[ok], c[ok]] = col


def _furniture_color(f: Furniture) -> RGB:
    return COLORS.get(f.color, (0.6, 0.6, 0.6))


def _kind(f: Furniture) -> str | None:
    spec = FURNITURE.get(f.type)
    return None if spec is None else spec.kind


def _check_shape(name: str, arr: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    a = np.asarray(arr)
    if a.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {a.shape}")
    return a


def _draw_segments(img: np.ndarray, frame: _Frame, pts: np.ndarray, color: Sequence[float],
                   width: int) -> None:
    """Rasterise the polyline through world points `pts` [N, 2] (vectorised sampling)."""
    if len(pts) == 0:
        return
    u = (pts[:, 0] - frame.left) * frame.ppm
    v = (frame.top - pts[:, 1]) * frame.ppm
    if len(pts) == 1:
        _plot(img, u, v, color, width)
        return
    du, dv = np.diff(u), np.diff(v)
    n = np.ceil(np.maximum(np.abs(du), np.abs(dv))).astype(np.int64) + 1
    n = np.minimum(n, 4 * (frame.width + frame.height))  # guard against wild points
    seg = np.repeat(np.arange(len(n)), n)
    start = np.cumsum(n) - n
    k = np.arange(int(n.sum())) - np.repeat(start, n)
    t = k / np.maximum(n - 1, 1)[seg]
    _plot(img, u[:-1][seg] + t * du[seg], v[:-1][seg] + t * dv[seg], color, width)


def _draw_robot(img: np.ndarray, frame: _Frame, pose: tuple[float, float, float]) -> None:
    """A dark disc of the robot's radius with a lighter rim and a white heading line."""
    x, y, yaw = (float(v) for v in pose)
    rad = ROBOT_RADIUS * frame.ppm
    cu = (x - frame.left) * frame.ppm
    cv = (frame.top - y) * frame.ppm
    r0, r1 = max(math.floor(cv - rad) - 1, 0), min(math.ceil(cv + rad) + 2, frame.height)
    c0, c1 = max(math.floor(cu - rad) - 1, 0), min(math.ceil(cu + rad) + 2, frame.width)
    if r0 >= r1 or c0 >= c1:
        return
    dv = np.arange(r0, r1) + 0.5 - cv
    du = np.arange(c0, c1) + 0.5 - cu
    d = np.sqrt(dv[:, None] ** 2 + du[None, :] ** 2)
    sub = img[:, r0:r1, c0:c1]
    rim = max(1.0, 0.1 * rad)
    sub[:, d <= rad] = np.asarray(ROBOT_RIM, dtype=np.float32)[:, None]
    sub[:, d <= rad - rim] = np.asarray(ROBOT_COLOR, dtype=np.float32)[:, None]
    # Heading: a white line from part-way out to the rim (the centre pixel stays dark).
    t = np.linspace(0.45 * rad, 0.95 * rad, max(int(rad) * 2, 4))
    _plot(img, cu + t * math.cos(yaw), cv - t * math.sin(yaw), HEADING_COLOR,
          2 if frame.ppm >= 30 else 1)


def _draw_attention(img: np.ndarray, frame: _Frame, attention: np.ndarray) -> None:
    """A red heat over the map cells, normalised to its max."""
    att = _check_shape("attention", attention, (MAP_SIZE, MAP_SIZE)).astype(np.float32)
    top = float(att.max())
    if top > 0:
        a = np.clip(att / top, 0, 1) * ATTENTION_ALPHA
        a[a < 0.01] = 0
        box = frame.grid_box(a > 0, MAP_RES)
        if box is not None:
            _blend_box(img, box, frame.gather(a, MAP_RES, 0.0, box), ATTENTION_COLOR)


def _to_uint8(img: np.ndarray) -> np.ndarray:
    """Planar float [3, H, W] in 0..1 -> interleaved uint8 [H, W, 3]."""
    img *= 255.0
    img += 0.5
    out = np.empty((img.shape[1], img.shape[2], 3), dtype=np.uint8)
    for c in range(3):  # values stay within 0..255.5
        np.copyto(out[..., c], img[c], casting="unsafe")
    return out


def _draw_semantic(img: np.ndarray, frame: _Frame, semantic: np.ndarray) -> None:
    """A dot per map cell whose type evidence exceeds the threshold, in its strongest colour."""
    nt = len(FURNITURE_TYPES)
    type_ev = semantic[:nt].max(axis=0)
    hot = type_ev > SEMANTIC_THRESHOLD
    box = frame.grid_box(hot, MAP_RES) if hot.any() else None
    if box is None:
        return
    r0, r1, c0, c1 = box
    col_ev = semantic[nt:]
    rgb = _COLOR_TABLE[col_ev.argmax(axis=0)]  # [48, 48, 3]
    rgb[col_ev.max(axis=0) < 0.2] = DOT_NO_COLOR
    # Dot radius in cell units grows with the evidence; 0 where there is no dot.
    strength = np.clip((type_ev - SEMANTIC_THRESHOLD) / (1 - SEMANTIC_THRESHOLD), 0, 1)
    radius = np.where(hot, 0.16 + 0.16 * strength, 0.0).astype(np.float32)
    table = np.concatenate([radius[None], rgb.transpose(2, 0, 1)])  # [4, 48, 48]
    rows, cols = frame.cells(MAP_RES, MAP_SIZE)
    table = np.pad(table, ((0, 0), (0, 1), (0, 1)))
    px = table.take(cols[c0:c1], axis=2).take(rows[r0:r1], axis=1)  # [4, h, w]
    rad = px[0]
    ys, xs = frame.ys[r0:r1] / MAP_RES, frame.xs[c0:c1] / MAP_RES
    fy = (ys - np.floor(ys) - 0.5).astype(np.float32)
    fx = (xs - np.floor(xs) - 0.5).astype(np.float32)
    d2 = fy[:, None] ** 2 + fx[None, :] ** 2
    rim = 1.0 / (frame.ppm * MAP_RES)  # one pixel, in cell units
    sub = img[:, r0:r1, c0:c1]
    # Branch-free masked writes (multiply-adds beat boolean indexing here): a dark ring, then
    # the dot's colour inside it.
    ring = ((d2 <= (rad + rim) ** 2) & (rad > 0)).astype(np.float32)
    sub *= 1.0 - ring
    dot = (d2 <= rad * rad).astype(np.float32)
    diff = px[1:] - sub
    diff *= dot
    sub += diff


def draw_topdown(
    home: Home,
    grid: HomeGrid,
    pose: tuple[float, float, float] | None = None,
    cleaned: np.ndarray | None = None,
    semantic: np.ndarray | None = None,
    seen: np.ndarray | None = None,
    targets: Sequence[Furniture] = (),
    trail: np.ndarray | None = None,
    attention: np.ndarray | None = None,
    px_per_m: int = 40,
) -> np.ndarray:
    """A top-down picture of the home, uint8 [H, W, 3], north up.

    The picture covers `home.bounds()` plus a 0.3 m margin at `px_per_m` pixels per metre;
    `world_to_pixel` maps world points into it. Layers, bottom to top: room floors (tinted per
    room type), rugs, `cleaned` fine cells (bool [240, 240], tinted green), furniture (solid ones
    filled; raised ones as an outline with a see-through top and dark legs), walls, darkening of
    unseen map cells (`seen` [48, 48] in 0..1), `semantic` evidence dots ([18, 48, 48]: type
    channels in FURNITURE_TYPES order, then colour channels in COLOR_NAMES order; a dot in the
    strongest colour where type evidence > 0.3), `attention` ([48, 48] non-negative, a red heat
    normalised to its max), `targets` (yellow outlines), the `trail` ([N, 2] world xy) and the
    robot at `pose` (x, y, yaw) with its heading.
    """
    frame = _Frame(home.bounds(), px_per_m)
    img = np.empty((3, frame.height, frame.width), dtype=np.float32)
    img[...] = _col(BACKGROUND)
    floor = np.asarray(FLOOR_COLOR, dtype=np.float32)

    for room in home.rooms:
        tint = ROOM_TINTS.get(room.name)
        color = floor if tint is None else (1 - ROOM_TINT_WEIGHT) * floor + ROOM_TINT_WEIGHT * \
            np.asarray(tint, dtype=np.float32)
        _fill(img, frame.rect(room.rect), color)

    for f in home.furniture:
        if _kind(f) == FLAT:
            c = np.asarray(_furniture_color(f), dtype=np.float32)
            _fill(img, frame.rect(f.footprint), (1 - RUG_LIGHTEN) * c + RUG_LIGHTEN, 0.85)

    if cleaned is not None:
        cl = _check_shape("cleaned", cleaned, (FINE_SIZE, FINE_SIZE)).astype(bool)
        cl = cl & (grid.room_label > 0)
        box = frame.grid_box(cl, FINE_RES) if cl.any() else None
        if box is not None:
            alpha = np.where(cl, np.float32(CLEANED_ALPHA), np.float32(0))
            _blend_box(img, box, frame.gather(alpha, FINE_RES, 0.0, box), CLEANED_COLOR)

    edge = max(2, round(0.05 * frame.ppm))
    for f in home.furniture:
        kind = _kind(f)
        color = _furniture_color(f)
        box = frame.rect(f.footprint)
        if kind == RAISED:
            _fill(img, box, color, RAISED_FILL_ALPHA)
            _outline(img, box, color, edge)
            for leg in f.leg_rects():
                _fill(img, frame.rect(leg, min_px=1), LEG_COLOR)
        elif kind != FLAT:
            _fill(img, box, color)
            _outline(img, box, tuple(0.55 * v for v in color), 1)

    walls = getattr(grid, "walls", None)
    for w in walls if walls is not None else wall_rects(home):
        _fill(img, frame.rect(w, min_px=1), WALL_COLOR)

    if seen is not None:
        s = np.clip(_check_shape("seen", seen, (MAP_SIZE, MAP_SIZE)).astype(np.float32), 0, 1)
        img *= frame.gather(UNSEEN_FLOOR + (1 - UNSEEN_FLOOR) * s, MAP_RES, UNSEEN_FLOOR)

    if semantic is not None:
        sem = _check_shape("semantic", semantic, (N_SEMANTIC, MAP_SIZE, MAP_SIZE))
        _draw_semantic(img, frame, sem.astype(np.float32))

    if attention is not None:
        _draw_attention(img, frame, attention)

    thick = max(2, round(0.08 * frame.ppm))
    for f in targets:
        box = frame.rect(f.footprint, clip=False)
        _outline(img, box, TARGET_COLOR, thick, outward=True)
        r0, r1, c0, c1 = box
        _outline(img, (r0 - thick, r1 + thick, c0 - thick, c1 + thick), TARGET_RIM, 1, True)

    if trail is not None:
        pts = np.asarray(trail, dtype=np.float64)
        pts = pts[:, :2] if pts.ndim == 2 else pts.reshape(-1, 2)  # (x, y[, yaw]) rows
        pts = pts[np.isfinite(pts).all(axis=1)]
        _draw_segments(img, frame, pts, TRAIL_COLOR, max(1, round(frame.ppm / 25)))

    if pose is not None:
        _draw_robot(img, frame, pose)

    return _to_uint8(img)
