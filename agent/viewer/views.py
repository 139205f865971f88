"""What the policy thinks, as viewer messages: its pointer attention and goal map as grids, the
map's semantic layer as markers, the decision's target, the running skill's plan and the camera
with the perception's classes blended in. Numpy only: the agent node (on a robot) and the
recorder (in simulation) build them from the same numbers.

The grids use the map's 48 x 48 cells of 0.25 m, origin (0, 0) of the map frame, [row, col] =
[y, x], values 0-100 (OccupancyGrid's range):
- attention: round(100 p / max p) for the pointer's distribution p: each cell's probability
  relative to the most likely cell's, to the nearest percent (the cell it chose, unless masked
  out, is the 100);
- goal map: round(100 g), g in [0, 1] the model's goal-map evidence per cell.
"""

from __future__ import annotations

import numpy as np

from agent.viewer import messages as m
from agent.viewer.topics import MAP_FRAME
from sim.catalog import COLOR_NAMES, COLORS, FURNITURE_TYPES
from sim.grid import MAP, MAP_RES, MAP_SIZE
from sim.render import DOT_NO_COLOR, SEMANTIC_THRESHOLD

N_TYPES = len(FURNITURE_TYPES)
COLOR_THRESHOLD = 0.2
"""Colour evidence below which a cell's cube is grey (no colour read), as in the pictures."""
CUBE_HEIGHT = 0.1
TYPE_PALETTE = np.array([
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
    (0, 128, 128), (170, 110, 40)], dtype=np.float32)
"""Overlay colour per furniture type (FURNITURE_TYPES order), distinct on camera images."""
OVERLAY_ALPHA = 0.55
MARKER_COLORS = {name: m.color(*COLORS[name]) for name in COLOR_NAMES}
NO_COLOR = m.color(*DOT_NO_COLOR)


def grid_values(values: np.ndarray, what: str) -> np.ndarray:
    """[48 * 48] or [48, 48] in [0, 1] -> int8 [48, 48] of 0-100."""
    a = np.asarray(values, dtype=np.float64).reshape(-1)
    if a.size != MAP_SIZE * MAP_SIZE:
        raise ValueError(f"{what} has {a.size} cells, expected {MAP_SIZE} x {MAP_SIZE}")
    a = np.nan_to_num(a, nan=0.0, posinf=1.0, neginf=0.0)
    return np.rint(np.clip(a, 0.0, 1.0) * 100).astype(np.int8).reshape(MAP_SIZE, MAP_SIZE)


def attention_grid(pointer: np.ndarray, ns: int) -> m.Msg:
    """The pointer's distribution over the cells as an OccupancyGrid scaled to its mode."""
    p = np.clip(np.asarray(pointer, dtype=np.float64).reshape(-1), 0.0, None)
    top = float(p.max()) if p.size else 0.0
    return m.occupancy_grid(grid_values(p / top if top > 0 else p, "attention"), MAP_RES, ns,
                            MAP_FRAME)


def goal_grid(goal_map: np.ndarray, ns: int) -> m.Msg:
    return m.occupancy_grid(grid_values(goal_map, "goal map"), MAP_RES, ns, MAP_FRAME)


def semantic_markers(semantic: np.ndarray, ns: int) -> m.Msg:
    """The map's semantic layer ([types + colours, 48, 48] evidence) as a MarkerArray: a cube per
    cell whose strongest type evidence is above the picture's threshold, one CUBE_LIST per type
    (namespace = the type's name, so a viewer lists and toggles them by type), coloured by the
    strongest colour read there (grey where none), alpha = the type's evidence. A DELETEALL
    first: cells the map no longer shows go away."""
    sem = np.asarray(semantic, dtype=np.float32).reshape(-1, MAP_SIZE, MAP_SIZE)
    types, colors = sem[:N_TYPES], sem[N_TYPES:]
    strongest, evidence = types.argmax(axis=0), types.max(axis=0)
    color_at, color_ev = colors.argmax(axis=0), colors.max(axis=0)
    markers = [m.delete_all(ns, MAP_FRAME)]
    for t, name in enumerate(FURNITURE_TYPES):
        rows, cols = np.nonzero((evidence > SEMANTIC_THRESHOLD) & (strongest == t))
        if len(rows) == 0:
            continue
        centers = np.array([MAP.to_world(r, c) for r, c in zip(rows, cols, strict=True)])
        cube_colors = [dict(MARKER_COLORS[COLOR_NAMES[color_at[r, c]]]
                            if color_ev[r, c] >= COLOR_THRESHOLD else NO_COLOR,
                            a=m.f32(evidence[r, c]))
                       for r, c in zip(rows, cols, strict=True)]
        markers.append(m.cube_list(name, t + 1, centers, cube_colors, MAP_RES, CUBE_HEIGHT, ns,
                                   MAP_FRAME))
    return {"markers": markers}


def semantic_from_markers(markers: list) -> np.ndarray:
    """The inverse for pictures: [types + colours, 48, 48] with each cube's evidence in its
    type's channel and 1 in its colour's (none where grey). `markers` are messages with
    attributes (rclpy, or decoded from a recording)."""
    out = np.zeros((N_TYPES + len(COLOR_NAMES), MAP_SIZE, MAP_SIZE), dtype=np.float32)
    lookup = {(c["r"], c["g"], c["b"]): i for i, c in enumerate(MARKER_COLORS.values())}
    for mk in markers:
        if mk.action != m.ADD or mk.ns not in FURNITURE_TYPES:
            continue
        t = FURNITURE_TYPES.index(mk.ns)
        for p, c in zip(mk.points, mk.colors, strict=False):
            r, col = int(p.y // MAP_RES), int(p.x // MAP_RES)
            if not (0 <= r < MAP_SIZE and 0 <= col < MAP_SIZE):
                continue
            out[t, r, col] = c.a
            k = lookup.get((c.r, c.g, c.b))
            if k is not None:
                out[N_TYPES + k, r, col] = 1.0
    return out


def overlay(rgb: np.ndarray, types: np.ndarray) -> np.ndarray:
    """The camera image with each pixel's perceived type (index + 1, 0 = none) blended in."""
    img = np.asarray(rgb, dtype=np.float32)
    t = np.asarray(types).astype(np.intp)
    if t.shape != img.shape[:2]:
        raise ValueError(f"classes {t.shape} do not match the image {img.shape[:2]}")
    hot = (t > 0) & (t <= len(TYPE_PALETTE))
    out = img.copy()
    out[hot] = (1 - OVERLAY_ALPHA) * img[hot] + OVERLAY_ALPHA * TYPE_PALETTE[t[hot] - 1]
    return np.rint(out).astype(np.uint8)


def skill_plan(skill: object) -> np.ndarray | None:
    """The running skill's waypoints [K, 2] in metres: a navigation's A* path, a clean's
    coverage tour; None before it planned."""
    for name in ("waypoints_xy", "path_xy"):
        pts = getattr(skill, name, None)
        if pts is not None and len(pts):
            return np.asarray(pts, dtype=float)
    return None


def decision_target(pose: tuple[float, float, float], xy: tuple[float, float], ns: int) -> m.Msg:
    """The decision's target point, facing away from the robot (as an arrow from it)."""
    yaw = float(np.arctan2(xy[1] - pose[1], xy[0] - pose[0]))
    return m.pose_stamped(xy[0], xy[1], yaw, ns, MAP_FRAME)
